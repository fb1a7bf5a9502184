// A chart's figures are folded away on screen; a printed page shows them all, and folds them
// back afterwards. Kept in a file because the pages' Content-Security-Policy allows no inline script.
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-figures:not([open])").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
