(function () {
  'use strict';
  var root = document.documentElement;
  function cellValue(row, col, numeric) {
    var cell = row.cells[col];
    var v = cell.getAttribute('data-v');
    if (numeric) { return parseFloat((v === null ? cell.textContent : v).replace(/,/g, '')); }
    return (v === null ? cell.textContent : v).toLowerCase();
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var numeric = th.getAttribute('data-type') === 'num';
      function sort() {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, col, numeric), y = cellValue(b, col, numeric);
          var d = x === y ? 0 : (x > y ? 1 : -1);
          return ascending ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.tabIndex = 0;
      th.title = 'Sort by ' + th.textContent;
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
      });
    });
    table.classList.add('js-sortable');
  });
  root.setAttribute('data-report-script', 'ran');
})();
