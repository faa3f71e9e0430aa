"""The social map in Open Referral's Human Services Data Specification (HSDS) 3.0.

``export`` turns offers, places and organisations into HSDS objects for the public API and the
``hsds_export`` command.
"""
