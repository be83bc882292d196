// Where a Leaflet map opens: the box the server derived from the data (units, open incidents,
// else the imported address points; see mapview/pages.py `map_extent`), never a fixed city.
//
//   openOn(map, settings.extent, { maxZoom: 15 })

// {south, west, north, east} -> Leaflet bounds, or null when there is no extent.
export function extentBounds(extent) {
  if (!extent) return null;
  return window.L.latLngBounds([extent.south, extent.west], [extent.north, extent.east]);
}

// Fit the map to the extent; with none (an empty system), the whole world.
export function openOn(map, extent, { maxZoom = 15, padding = [40, 40] } = {}) {
  const bounds = extentBounds(extent);
  if (bounds) map.fitBounds(bounds, { padding, maxZoom, animate: false });
  else map.fitWorld({ animate: false });
}
