"""Areas (gebieden): gemeente, wijk and buurt with their CBS codes and key figures."""
