// Asks before a form with data-confirm is sent (withdrawing a briefing, deleting a target).
// Kept in a file because the pages' Content-Security-Policy allows no inline script.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
