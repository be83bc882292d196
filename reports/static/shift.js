// /reports/shift: the Print button (the page itself is server-rendered and prints as it is).
const button = document.getElementById("print");
if (button) button.addEventListener("click", () => window.print());
