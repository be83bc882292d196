// Read by Leaflet as it loads: place markers with left/top instead of 3D transforms. With 3D
// transforms each of 700 markers becomes its own compositing layer and every frame pays for all.
window.L_DISABLE_3D = true;
