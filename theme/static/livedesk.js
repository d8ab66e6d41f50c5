/* livedesk.js - the newsroom's live desk (templates/newsroom/live_desk):
 * post with Ctrl+Enter / Cmd+Enter without a reload, edit in place, pin,
 * delete, the keyboard (N or / writes, J/K move, E edits, P pins, D
 * deletes), the image picker (recent uploads as radio buttons; a new
 * image is uploaded to the media library right here and chosen), a
 * draft kept in localStorage until it is posted, and the
 * entry list kept current from the reader stream (what other editors
 * post shows up too). Everything posts to the same forms the page has
 * without JavaScript, asking for JSON; a failure keeps the text. Not for
 * reader pages (site.js). */
(function () {
	'use strict';
	var d = document, w = window;
	var form = d.querySelector('[data-compose]');
	var box = d.querySelector('[data-desk-entries]');
	if (!form || !box || !w.fetch) return;
	var body = form.querySelector('[data-compose-body]');
	var media = form.querySelector('[data-compose-media]');
	var choices = media.querySelector('[data-media-choices]');
	var upload = media.querySelector('[data-media-upload]');
	var pin = form.querySelector('[data-compose-pin]');
	var title = form.querySelector('[data-compose-title]');
	var submitBtn = form.querySelector('[data-compose-submit]');
	var cancel = form.querySelector('[data-compose-cancel]');
	var status = form.querySelector('[data-compose-status]');
	var meta = d.querySelector('meta[name="csrf-token"]');
	var csrf = meta ? meta.content : '';
	var postUrl = form.getAttribute('data-post-url');
	var DRAFT = 'gz-live-draft-' + form.getAttribute('data-event') + '-' + form.getAttribute('data-edition');
	var editing = null; /* entry id being edited, or null */
	var stash = null;   /* the new-entry draft while an edit is open */
	var busy = false;

	function msg(name) { return form.getAttribute('data-msg-' + name) || ''; }
	function say(text) { status.textContent = text; }
	function get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
	function put(k, v) { try { if (v) localStorage.setItem(k, v); else localStorage.removeItem(k); } catch (e) { /* private mode */ } }

	/* POST fields to url asking for JSON; resolves with the JSON, rejects
	 * with the server's message (or a network one). */
	function send(url, fields) {
		var p = new URLSearchParams();
		p.append('csrf', csrf);
		Object.keys(fields).forEach(function (k) { p.append(k, fields[k]); });
		return fetch(url, {
			method: 'POST', credentials: 'same-origin', body: p,
			headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrf }
		}).then(function (r) {
			return r.json().catch(function () { return {}; }).then(function (j) {
				if (!r.ok || !j.ok) throw new Error(j.error || msg('network'));
				return j;
			});
		}, function () { throw new Error(msg('network')); });
	}

	/* ---- the image picker: radio buttons named media_id ---- */
	function mediaGet() {
		var c = choices.querySelector('input[name="media_id"]:checked');
		return c ? c.value : '';
	}
	/* A choice for media id (with a thumbnail when known), after "no
	 * image"; returns its radio button. */
	function mediaAdd(id, src, srcset, label) {
		var lab = d.createElement('label');
		lab.className = 'nr-live-choice';
		var input = d.createElement('input');
		input.type = 'radio';
		input.name = 'media_id';
		input.value = id;
		lab.appendChild(input);
		if (src) {
			var img = d.createElement('img');
			img.src = src;
			if (srcset) { img.srcset = srcset; img.sizes = '6rem'; }
			img.alt = '';
			lab.appendChild(img);
		}
		var span = d.createElement('span');
		span.textContent = (label || msg('no-alt')) + ' ';
		var small = d.createElement('small');
		small.textContent = '#' + id;
		span.appendChild(small);
		lab.appendChild(span);
		var none = choices.querySelector('.nr-live-choice--none');
		choices.insertBefore(lab, none ? none.nextSibling : choices.firstChild);
		return input;
	}
	/* Check media id (''/null: no image); li is the entry being edited,
	 * whose picture stands in when the image is not among the choices. */
	function mediaSet(id, li) {
		id = id || '';
		var all = choices.querySelectorAll('input[name="media_id"]');
		var hit = null;
		for (var i = 0; i < all.length; i++) if (all[i].value === id) hit = all[i];
		if (!hit && id) {
			var img = li && li.querySelector('.live-entry-media img');
			hit = mediaAdd(id, img && img.getAttribute('src'), img && img.getAttribute('srcset'),
				img && img.getAttribute('alt'));
		}
		if (hit) hit.checked = true;
	}
	if (upload && w.FormData) {
		upload.hidden = false;
		var file = upload.querySelector('[data-upload-file]');
		var alt = upload.querySelector('[data-upload-alt]');
		var upBtn = upload.querySelector('[data-upload-button]');
		upBtn.addEventListener('click', function () {
			if (!file.files || !file.files.length) { say(msg('no-file')); file.focus(); return; }
			var fd = new FormData();
			fd.append('csrf', csrf);
			fd.append('alt', alt.value);
			fd.append('file', file.files[0]);
			upBtn.disabled = true;
			say(msg('uploading'));
			fetch('/newsroom/media', {
				method: 'POST', credentials: 'same-origin', body: fd,
				headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrf }
			}).then(function (r) {
				return r.json().catch(function () { return {}; }).then(function (j) {
					if (!r.ok || !j.id) throw new Error((j.error && j.error.message) || msg('network'));
					return j;
				});
			}, function () { throw new Error(msg('network')); }).then(function (j) {
				var id = String(j.id), have = choices.querySelector('input[name="media_id"][value="' + id + '"]');
				(have || mediaAdd(id, j.src, j.jpeg_srcset, j.alt)).checked = true;
				file.value = '';
				alt.value = '';
				say(msg('uploaded'));
			}, function (e) { say(e.message); }).then(function () { upBtn.disabled = false; });
		});
	}

	/* ---- the entry list, refreshed from the server ---- */
	var timer = null;
	function refresh() {
		clearTimeout(timer);
		timer = setTimeout(function () {
			var sel = selected();
			var id = sel && sel.getAttribute('data-entry');
			var had = sel && d.activeElement === sel;
			fetch(box.getAttribute('data-src'), { credentials: 'same-origin' })
				.then(function (r) { return r.ok ? r.text() : Promise.reject(); })
				.then(function (html) {
					box.innerHTML = html;
					var again = id && d.getElementById('desk-entry-' + id);
					if (again) select(again, had);
				}, function () {});
		}, 80);
	}
	function items() { return Array.prototype.slice.call(box.querySelectorAll('.nr-live-item')); }
	function selected() { return box.querySelector('.nr-live-item.is-selected'); }
	function select(li, focus) {
		items().forEach(function (x) { x.classList.remove('is-selected'); });
		if (!li) return;
		li.classList.add('is-selected');
		if (focus !== false) li.focus();
	}
	function move(step) {
		var all = items();
		if (!all.length) return;
		var i = all.indexOf(selected());
		i = i < 0 ? (step > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, i + step));
		select(all[i]);
		all[i].scrollIntoView({ block: 'nearest' });
	}

	/* ---- composing and editing ---- */
	function setMode(li) {
		editing = li ? li.getAttribute('data-entry') : null;
		form.classList.toggle('is-editing', !!li);
		form.action = li ? li.getAttribute('data-edit-url') : postUrl;
		title.textContent = form.getAttribute(li ? 'data-label-edit' : 'data-label-new');
		submitBtn.textContent = form.getAttribute(li ? 'data-button-edit' : 'data-button-new');
		cancel.hidden = !li;
		if (pin) pin.hidden = !!li;
	}
	function startEdit(li) {
		if (!li) return;
		if (editing === null) stash = { body: body.value, media: mediaGet() };
		setMode(li);
		body.value = li.getAttribute('data-md') || '';
		mediaSet(li.getAttribute('data-media'), li);
		body.focus();
		body.setSelectionRange(body.value.length, body.value.length);
	}
	function endEdit() {
		setMode(null);
		body.value = stash ? stash.body : (get(DRAFT) || '');
		mediaSet(stash ? stash.media : '');
		stash = null;
	}
	function submit() {
		if (busy) return;
		var text = body.value.trim();
		if (!text && !mediaGet()) { say(msg('body')); body.focus(); return; }
		var fields = { edition: form.getAttribute('data-edition'), body: body.value, media_id: mediaGet() };
		var wasEdit = editing !== null;
		if (!wasEdit && pin && pin.querySelector('input').checked) fields.pinned = '1';
		busy = true;
		submitBtn.disabled = true;
		say(msg('sending'));
		send(form.action, fields).then(function () {
			say(msg(wasEdit ? 'saved' : 'posted'));
			if (wasEdit) {
				endEdit();
			} else {
				body.value = '';
				mediaSet('');
				put(DRAFT, '');
				if (pin) pin.querySelector('input').checked = false;
			}
			refresh();
		}, function (e) {
			say(e.message); /* the text stays where it is */
		}).then(function () {
			busy = false;
			submitBtn.disabled = false;
			body.focus();
		});
	}
	function setPin(li) {
		var on = li.getAttribute('data-pinned') !== '1';
		send(li.querySelector('[data-pin-form]').action, { pinned: on ? '1' : '0' })
			.then(function () { say(msg(on ? 'pin' : 'unpin')); refresh(); }, function (e) { say(e.message); });
	}
	function remove(li) {
		if (!w.confirm(form.getAttribute('data-confirm-delete'))) return;
		var id = li.getAttribute('data-entry');
		send(li.querySelector('[data-delete-form]').action, {})
			.then(function () {
				say(msg('deleted'));
				if (editing === id) endEdit();
				refresh();
			}, function (e) { say(e.message); });
	}

	form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });
	cancel.addEventListener('click', function (e) { e.preventDefault(); endEdit(); body.focus(); });
	body.addEventListener('keydown', function (e) {
		if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
			e.preventDefault();
			submit();
		} else if (e.key === 'Escape' && editing !== null) {
			e.preventDefault();
			endEdit();
		}
	});
	body.addEventListener('input', function () { if (editing === null) put(DRAFT, body.value); });
	if (editing === null && !body.value && get(DRAFT)) body.value = get(DRAFT);
	if (form.classList.contains('is-editing')) {
		/* opened with ?edit= (no-JS link): keep that edit */
		var m = /\/entries\/(\d+)$/.exec(form.action);
		editing = m ? m[1] : null;
	}

	box.addEventListener('click', function (e) {
		var t = e.target, li = t.closest && t.closest('.nr-live-item');
		if (!li) return;
		if (t.closest('[data-edit]')) { e.preventDefault(); select(li, false); startEdit(li); }
		else if (t.closest('[data-pin]')) { e.preventDefault(); setPin(li); }
		else if (t.closest('[data-delete]')) { e.preventDefault(); remove(li); }
		else if (!t.closest('a, button, input')) select(li);
	});
	/* The state forms (end the event) ask first. */
	Array.prototype.forEach.call(d.querySelectorAll('form[data-confirm]'), function (f) {
		f.addEventListener('submit', function (e) {
			if (!w.confirm(f.getAttribute('data-confirm'))) e.preventDefault();
		});
	});
	d.addEventListener('keydown', function (e) {
		var t = e.target;
		if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
		if (t.closest && t.closest('input, textarea, select, [contenteditable]')) return;
		var li = selected();
		switch (e.key) {
		case 'n': case 'N': case '/': e.preventDefault(); if (editing !== null) endEdit(); body.focus(); break;
		case 'j': case 'J': e.preventDefault(); move(1); break;
		case 'k': case 'K': e.preventDefault(); move(-1); break;
		case 'e': case 'E': if (li) { e.preventDefault(); startEdit(li); } break;
		case 'p': case 'P': if (li) { e.preventDefault(); setPin(li); } break;
		case 'd': case 'D': case 'Delete': if (li) { e.preventDefault(); remove(li); } break;
		}
	});

	/* ---- follow the reader stream: any change refreshes the list ---- */
	var src = box.getAttribute('data-stream');
	if (src && w.EventSource) {
		var es = new EventSource(src);
		['new', 'edit', 'pin', 'delete', 'state'].forEach(function (type) {
			es.addEventListener(type, refresh);
		});
		es.addEventListener('error', function () { if (es.readyState !== 2) say(msg('offline')); });
		es.addEventListener('open', function () { if (status.textContent === msg('offline')) say(''); });
	}
})();
