"""Geography: geocoding, distances and travel-time estimates."""
