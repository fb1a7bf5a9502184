"""Fakes of other people's services that speak their wire format on loopback."""
