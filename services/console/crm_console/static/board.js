// The pipeline board (templates/board): drag and drop with SortableJS. The move is deals':
// the card is sent to /deals/<id>/move and, when deals refuses it, snaps back to where it was
// with deals' own message in the live region. Keyboard users have each card's arrow buttons
// (plain forms, no script needed). "Close…" opens the won / lost dialog.
(function () {
  "use strict";

  function announce(text, problem) {
    var status = document.getElementById("board-status");
    if (!status) { return; }
    status.textContent = text || "";
    status.className = problem ? "problem" : "notice";
  }

  function post(url, fields, csrf) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      body: new URLSearchParams(fields)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function snapBack(event) {
    var home = event.from.children[event.oldIndex] || null;
    event.from.insertBefore(event.item, home);
  }

  function refresh(board) {
    // New totals and versions from deals, without reloading the page.
    return fetch("/board/" + board.dataset.line + "?fragment=1", { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) { board.innerHTML = html; wire(board); });
  }

  function wire(board) {
    var csrf = board.dataset.csrf;
    if (window.Sortable) {
      board.querySelectorAll("ol.cards").forEach(function (list) {
        window.Sortable.create(list, {
          group: "deals",
          animation: 120,
          filter: "button, a, input",
          preventOnFilter: false,
          onEnd: function (event) {
            if (event.from === event.to) { return; }
            var card = event.item;
            board.setAttribute("aria-busy", "true");
            post("/deals/" + card.dataset.deal + "/move", {
              stage_key: event.to.dataset.stage,
              version: card.dataset.version
            }, csrf).then(function (answer) {
              if (answer.ok) {
                announce(board.dataset.moved, false);
                return refresh(board);
              }
              snapBack(event);
              announce(answer.data.message, true);
            }).catch(function () {
              snapBack(event);
              announce(board.dataset.offline, true);
            }).then(function () { board.removeAttribute("aria-busy"); });
          }
        });
      });
    }
    board.querySelectorAll("[data-close-deal]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var dialog = document.getElementById("close-dialog");
        if (!dialog || !dialog.showModal) { return; }
        event.preventDefault();
        var card = link.closest(".deal-card");
        var id = link.dataset.closeDeal;
        document.getElementById("won-form").action = "/deals/" + id + "/won";
        document.getElementById("lost-form").action = "/deals/" + id + "/lost";
        document.getElementById("won-currency").value = card.dataset.currency;
        document.getElementById("close-deal-name").textContent = card.dataset.name;
        dialog.showModal();
        document.getElementById("won-revenue").focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (board) { wire(board); }
    var line = document.getElementById("line");
    if (line) { line.addEventListener("change", function () { line.form.submit(); }); }
  });
}());
