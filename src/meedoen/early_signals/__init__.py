"""Early signalling (vroegsignalering): creditors' signals of payment arrears, linked into cases."""
