// Refresh the board every 15 s without reloading the page (served as a file: the pages' CSP
// allows no inline script).
setInterval(async () => {
  const el = document.getElementById("board");
  if (!el) return;
  const res = await fetch(el.dataset.src, {credentials: "same-origin"});
  if (res.ok) el.innerHTML = await res.text();
}, 15000);
