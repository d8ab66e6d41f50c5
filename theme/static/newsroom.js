// newsroom.js - the little script the newsroom needs everywhere: the
// CSRF token for scripted requests (GZ.post adds X-CSRF-Token), a
// confirmation for buttons with data-confirm, and focus on the first
// field with an error. Pages work without it. Not for the editor
// (editor.js) or reader pages (site.js).
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute('content') : '';

  // POST to url with the session's CSRF token; body is a FormData, a
  // URLSearchParams or a plain object (sent as a form). Returns fetch's
  // promise.
  function post(url, body) {
    if (body && !(body instanceof FormData) && !(body instanceof URLSearchParams))
      body = new URLSearchParams(body);
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': token },
      body: body
    });
  }
  window.GZ = { csrf: token, post: post };

  document.addEventListener('click', function (ev) {
    var b = ev.target.closest && ev.target.closest('[data-confirm]');
    if (b && !window.confirm(b.getAttribute('data-confirm'))) ev.preventDefault();
  });

  document.addEventListener('DOMContentLoaded', function () {
    var bad = document.querySelector('.nr-invalid input, .nr-invalid select, .nr-invalid textarea');
    if (bad) {
      var d = bad.closest('details');
      if (d) d.open = true;
      bad.focus();
    }
  });
})();
