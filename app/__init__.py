"""ShopDesk: the shop's rules. No Qt in here: the GUI and the CLI are thin doors onto it."""

__version__ = "0.1.0"
