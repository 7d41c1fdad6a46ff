// hitd requester console, review page: "select all" and a count of the
// selected assignments, and shift-click to select a range. Everything
// works without it: the page also has "Approve all shown" and "Reject all
// shown" buttons.
"use strict";
(function () {
  var table = document.getElementById("review-table");
  if (!table) {
    return;
  }
  var all = document.getElementById("select-all");
  var count = document.getElementById("selected-count");
  var boxes = Array.prototype.slice.call(table.querySelectorAll("tbody input.pick"));
  var last = null;

  function update() {
    var n = 0;
    boxes.forEach(function (b) {
      var row = b.closest("tr");
      if (row) {
        row.classList.toggle("is-picked", b.checked);
      }
      if (b.checked) {
        n++;
      }
    });
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
    if (count) {
      count.textContent = n === 0 ? "None selected" : n + " of " + boxes.length + " selected";
    }
  }

  if (all) {
    all.closest("label").hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (b) {
        b.checked = all.checked;
      });
      update();
    });
  }
  boxes.forEach(function (b, i) {
    b.addEventListener("click", function (ev) {
      if (ev.shiftKey && last !== null && last !== i) {
        var lo = Math.min(last, i), hi = Math.max(last, i);
        for (var j = lo; j <= hi; j++) {
          boxes[j].checked = b.checked;
        }
      }
      last = i;
      update();
    });
    b.addEventListener("change", update);
  });
  update();
})();
