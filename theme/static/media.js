// media.js - the media library's upload form, made nicer: drop images on
// it or pick several files, each is sent on its own (fetch, multipart,
// X-CSRF-Token, Accept: application/json) and reported in a live list;
// new images appear at the top of the grid. Files over the upload limit
// are refused here before they are sent. Without this script the form
// is a plain multipart form that uploads one file (the server does the
// same checks either way). Strings come from the form's data-* attributes
// (the page's language). Not for the rest of the newsroom (newsroom.js).
(function () {
  'use strict';

  function fill(s, vars) {
    return s.replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(vars, k) ? vars[k] : m;
    });
  }

  function init() {
    var form = document.getElementById('mq-form');
    if (!form || !window.fetch || !window.FormData) return;
    var input = form.querySelector('input[type="file"]');
    var queue = document.getElementById('mq-queue');
    var grid = document.getElementById('mq-grid');
    var csrfField = form.querySelector('input[name="csrf"]');
    var token = (window.GZ && window.GZ.csrf) || (csrfField && csrfField.value) || '';
    var max = Number(form.getAttribute('data-max-bytes')) || 0;
    var busy = false;
    var pending = [];

    input.multiple = true;
    input.required = false;
    var hints = form.querySelectorAll('.mq-js-only');
    for (var i = 0; i < hints.length; i++) hints[i].hidden = false;

    function say(text, bad, link) {
      var li = document.createElement('li');
      if (bad) li.className = 'mq-bad';
      if (link) {
        var a = document.createElement('a');
        a.href = link;
        a.textContent = text;
        li.appendChild(a);
      } else {
        li.textContent = text;
      }
      queue.appendChild(li);
      return li;
    }

    function addCard(item) {
      if (!grid || !item.src || document.getElementById('media-' + item.id)) return;
      var li = document.createElement('li');
      li.className = 'mq-card';
      li.id = 'media-' + item.id;
      var a = document.createElement('a');
      a.href = item.url;
      var pic = document.createElement('picture');
      if (item.webp_srcset) {
        var s = document.createElement('source');
        s.type = 'image/webp';
        s.srcset = item.webp_srcset;
        s.sizes = '14em';
        pic.appendChild(s);
      }
      var img = document.createElement('img');
      img.src = item.src;
      if (item.jpeg_srcset) { img.srcset = item.jpeg_srcset; img.sizes = '14em'; }
      img.alt = item.alt || '';
      pic.appendChild(img);
      a.appendChild(pic);
      li.appendChild(a);
      grid.insertBefore(li, grid.firstChild);
    }

    function field(name) {
      var el = form.elements[name];
      return el ? el.value : '';
    }

    function sendOne(file) {
      var name = file.name || 'image';
      if (max && file.size > max) {
        say(fill(form.getAttribute('data-failed'),
          { name: name, message: form.getAttribute('data-too-big') }), true);
        return Promise.resolve();
      }
      var line = say(fill(form.getAttribute('data-uploading'), { name: name }));
      var body = new FormData();
      body.append('csrf', token);
      body.append('alt', field('alt'));
      body.append('caption', field('caption'));
      body.append('credit', field('credit'));
      body.append('file', file, name);
      return fetch(form.action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': token, Accept: 'application/json' },
        body: body
      }).then(function (res) {
        return res.text().then(function (text) {
          var data = null;
          try { data = JSON.parse(text); } catch (e) { data = null; }
          line.remove();
          if (res.ok && data && data.id) {
            say(fill(form.getAttribute(data.duplicate ? 'data-already' : 'data-uploaded'),
              { name: name }), false, data.url);
            addCard(data);
            return;
          }
          var msg = data && data.error && data.error.message;
          if (!msg && res.status === 413) msg = form.getAttribute('data-too-big');
          if (!msg) msg = res.status + ' ' + res.statusText;
          say(fill(form.getAttribute('data-failed'), { name: name, message: msg }), true);
        });
      }).catch(function (err) {
        line.remove();
        say(fill(form.getAttribute('data-failed'), { name: name, message: String(err.message || err) }), true);
      });
    }

    // One upload at a time: the server decodes one image at a time too.
    function pump() {
      if (busy || !pending.length) return;
      busy = true;
      sendOne(pending.shift()).then(function () {
        busy = false;
        pump();
      });
    }

    function take(files) {
      for (var k = 0; k < files.length; k++) pending.push(files[k]);
      pump();
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (input.files && input.files.length) {
        take(input.files);
        input.value = '';
      } else {
        input.focus();
      }
    });
    ['dragenter', 'dragover'].forEach(function (t) {
      form.addEventListener(t, function (ev) {
        ev.preventDefault();
        form.classList.add('mq-over');
      });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      form.addEventListener(t, function (ev) {
        ev.preventDefault();
        form.classList.remove('mq-over');
      });
    });
    form.addEventListener('drop', function (ev) {
      if (ev.dataTransfer && ev.dataTransfer.files) take(ev.dataTransfer.files);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
