// A place picked on a Leaflet map or typed: a click on the map sets the latitude and longitude
// fields and moves the marker there; typing in the fields moves the marker. The map is drawn over
// the configured tiles, else over the street lines of data/streets (as /map does).
//
//   var pick = pickPlace({ map: "home-map", lat: "home-lat", lon: "home-lon", settings });
//   pick.set(44.47, -73.21); pick.clear();
import { $ } from "/static/lib/dom.js";
import { drawStreets, openOn } from "/static/lib/maps.js";

export function pickPlace(options) {
  var L = window.L;
  var latInput = $(options.lat), lonInput = $(options.lon);
  var settings = options.settings || {};
  var map = null, marker = null, others = null, fitted = false;

  if (L) {
    map = L.map(options.map, { keyboard: true });
    openOn(map, settings.extent, { maxZoom: 14 });
    if (settings.tileUrl) {
      var failures = 0;
      L.tileLayer(settings.tileUrl, { attribution: settings.tileAttribution || "", maxZoom: 19 })
        .on("tileerror", function () { failures += 1; if (failures === 3) drawStreets(map); })
        .addTo(map);
    } else {
      drawStreets(map);
    }
    map.on("click", function (event) {
      write(event.latlng.lat, event.latlng.lng);
      place(false);
    });
  }

  function write(lat, lon) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    latInput.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function read() {
    var lat = Number(latInput.value.trim()), lon = Number(lonInput.value.trim());
    if (latInput.value.trim() === "" || lonInput.value.trim() === "") return null;
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return [lat, lon];
  }

  function place(pan) {
    if (!map) return;
    var at = read();
    if (!at) { if (marker) { marker.remove(); marker = null; } return; }
    if (marker) marker.setLatLng(at);
    else marker = L.marker(at, { keyboard: false, title: options.title || "Picked place" }).addTo(map);
    if (pan) map.setView(at, Math.max(map.getZoom(), 14), { animate: false });
  }

  latInput.addEventListener("input", function () { place(true); });
  lonInput.addEventListener("input", function () { place(true); });

  return {
    set: function (lat, lon) {
      latInput.value = lat === null || lat === undefined ? "" : String(lat);
      lonInput.value = lon === null || lon === undefined ? "" : String(lon);
      place(true);
    },
    clear: function () { latInput.value = ""; lonInput.value = ""; place(false); },
    refresh: function () { if (map) map.invalidateSize(); },
    // Other places for reference (the other units' home bases): [{lat, lon, label}].
    showOthers: function (places) {
      if (!map) return;
      if (others) others.remove();
      // An empty system opens on the whole world: then open on these places, once.
      if (!settings.extent && !fitted && !marker && places.length) {
        fitted = true;
        map.fitBounds(L.latLngBounds(places.map(function (p) { return [p.lat, p.lon]; })), { maxZoom: 14, animate: false });
      }
      others = L.layerGroup(places.map(function (p) {
        var label = document.createElement("span");
        label.textContent = p.label;
        return L.circleMarker([p.lat, p.lon], { radius: 5, color: "#0b5cad", weight: 2 }).bindTooltip(label);
      })).addTo(map);
    },
  };
}
