"""Geocoding: typed addresses to coordinates and back (local address points, geopy services)."""
