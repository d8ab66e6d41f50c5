/* editor.js - the article editor's script (newsroom/article_edit;
 * deferred, no dependencies). Never lose a word:
 *   - autosave: every AUTOSAVE_MS, when the text changed, the whole form
 *     goes to POST {id}/autosave. A new article becomes a draft on its
 *     first autosave and the page takes its URLs and version; after that
 *     the server keeps each autosave as a revision beside the article
 *     (published ones too) without touching the article or its version,
 *     so Save still compares with what the page was opened at. When
 *     someone else saved meanwhile (409) autosave stops: only Save may
 *     go on, and it shows both texts.
 *   - a copy of the form in localStorage after each change, offered back
 *     when the page is opened again without it (a crash, a closed tab, a
 *     lost connection); dropped once the server has the text.
 *   - a warning before leaving the page with unsaved changes.
 *   - live preview: the text is rendered by the server (POST
 *     /newsroom/preview), the same renderer readers get.
 *   - the lead image picker: a dialog over the media library's JSON
 *     (GET /newsroom/media?format=json&q=&page=) with thumbnails, a
 *     search by caption or alt text, more pages, and an upload that
 *     selects what it uploaded; it fills the number field, which alone
 *     is what the form sends (and all there is without script).
 * Everything here is an enhancement: the form works without it. */
(function () {
	'use strict';
	var d = document, w = window;
	var form = d.getElementById('nr-editor');
	if (!form)
		return;
	var AUTOSAVE_MS = 3000, PREVIEW_MS = 500, COPY_MS = 700;
	var status = form.querySelector('[data-autosave-status]');
	var preview = d.querySelector('[data-preview]');
	var body = form.elements.body_md;
	var csrf = (form.elements.csrf || {}).value || '';
	var live = form.getAttribute('data-live') === '1';
	var id = form.getAttribute('data-article-id') || '0';
	var base = id === '0' ? '/newsroom/articles/new' : '/newsroom/articles/' + id;
	var submitting = false, inflight = false, stopped = false;
	var lastSent = null, dirty = false;

	function msg(name) { return form.getAttribute('data-msg-' + name) || ''; }
	function say(text) { if (status) status.textContent = text; }
	function get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
	function put(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* full or private */ } }
	function drop(k) { try { localStorage.removeItem(k); } catch (e) { /* private */ } }
	function copyKey() { return 'gz-draft-' + id; }

	/* The form as urlencoded text (the same fields a submit sends). */
	function encode() {
		return new URLSearchParams(new FormData(form)).toString();
	}
	/* What the journalist typed, without the bookkeeping fields. */
	function content() {
		var p = new URLSearchParams(new FormData(form));
		p.delete('csrf');
		p.delete('version');
		return p.toString();
	}

	/* ---- the copy in this browser ---- */
	var copyTimer = null;
	function keepCopy() {
		clearTimeout(copyTimer);
		copyTimer = setTimeout(function () {
			put(copyKey(), JSON.stringify({ at: Date.now(), data: content() }));
		}, COPY_MS);
	}
	function offerCopy() {
		var box = d.querySelector('[data-local-copy]');
		var raw = get(copyKey());
		if (!box || !raw)
			return;
		var c;
		try { c = JSON.parse(raw); } catch (e) { drop(copyKey()); return; }
		/* Just saved (PRG) or the same as the form: nothing to offer. */
		if (/[?&]done=art_/.test(location.search) || c.data === content()) {
			drop(copyKey());
			return;
		}
		var when = new Date(c.at).toLocaleString();
		box.querySelector('[data-local-copy-text]').textContent = msg('local').replace('{time}', when);
		box.hidden = false;
		box.querySelector('[data-local-restore]').addEventListener('click', function () {
			var p = new URLSearchParams(c.data);
			Array.prototype.forEach.call(form.elements, function (el) {
				if (!el.name || el.name === 'csrf' || el.name === 'version')
					return;
				if (el.type === 'checkbox')
					el.checked = p.getAll(el.name).indexOf(el.value) >= 0;
				else if (el.tagName === 'SELECT' && el.multiple)
					Array.prototype.forEach.call(el.options, function (o) {
						o.selected = p.getAll(el.name).indexOf(o.value) >= 0;
					});
				else if (p.has(el.name))
					el.value = p.get(el.name);
			});
			box.hidden = true;
			changed();
			refreshPreview();
		});
		box.querySelector('[data-local-discard]').addEventListener('click', function () {
			drop(copyKey());
			box.hidden = true;
		});
	}

	/* ---- autosave ---- */
	/* A new article got its id: point the form and its buttons at it. */
	function adopt(newId) {
		var oldBase = base, oldKey = copyKey();
		id = String(newId);
		base = '/newsroom/articles/' + id;
		form.setAttribute('data-article-id', id);
		form.action = form.getAttribute('action').replace(oldBase, base);
		Array.prototype.forEach.call(form.querySelectorAll('[formaction]'), function (b) {
			b.setAttribute('formaction', b.getAttribute('formaction').replace(oldBase, base));
		});
		form.setAttribute('data-autosave-url', base + '/autosave');
		drop(oldKey);
		if (w.history && history.replaceState)
			history.replaceState(null, '', base);
	}

	function autosave() {
		if (stopped || inflight || submitting || !dirty)
			return;
		var now = content();
		if (now === lastSent) {
			dirty = false;
			return;
		}
		inflight = true;
		say(msg('saving'));
		var sent = now;
		fetch(form.getAttribute('data-autosave-url'), {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': csrf },
			body: encode()
		}).then(function (res) {
			return res.json().catch(function () { return {}; }).then(function (j) {
				return { status: res.status, j: j };
			});
		}).then(function (r) {
			inflight = false;
			var j = r.j || {};
			if (r.status === 200 && j.ok) {
				lastSent = sent;
				if (content() === sent)
					dirty = false;
				if (j.created && j.id && id === '0') {
					/* The new draft: its version is the form's from
					 * now on. An autosave of an existing article
					 * leaves the version alone. */
					adopt(j.id);
					if (j.version && form.elements.version)
						form.elements.version.value = j.version;
					var vl = d.querySelector('[data-version-label]');
					if (vl && j.version)
						vl.textContent = j.version;
				}
				if (!dirty)
					drop(copyKey());
				say(j.message || '');
				return;
			}
			if (r.status === 200) /* nothing to keep yet */
				return;
			if (r.status === 409) {
				stopped = true;
				say(j.error && j.error.message ? j.error.message : msg('conflict'));
				return;
			}
			if (r.status === 403 || r.status === 404)
				stopped = true;
			say(j.error && j.error.message ? j.error.message : msg('offline'));
		}).catch(function () {
			inflight = false;
			say(msg('offline'));
		});
	}

	function changed() {
		dirty = true;
		keepCopy();
	}

	/* ---- preview ---- */
	var previewTimer = null, previewSeq = 0;
	function refreshPreview() {
		if (!preview || !body)
			return;
		var seq = ++previewSeq;
		var p = new URLSearchParams();
		p.set('body_md', body.value);
		fetch(form.getAttribute('data-preview-url'), {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': csrf },
			body: p.toString()
		}).then(function (res) {
			return res.text().then(function (t) { return { ok: res.ok, t: t }; });
		}).then(function (r) {
			if (seq !== previewSeq)
				return; /* a newer one is on its way */
			if (r.ok) {
				preview.innerHTML = r.t; /* server-rendered, safe-mode HTML */
			} else {
				var e = d.createElement('p');
				e.className = 'nr-preview-error';
				e.textContent = r.t;
				preview.replaceChildren(e);
			}
		}).catch(function () { /* offline: keep the last preview */ });
	}

	form.addEventListener('input', function (ev) {
		changed();
		if (ev.target === body) {
			clearTimeout(previewTimer);
			previewTimer = setTimeout(refreshPreview, PREVIEW_MS);
		}
	});
	form.addEventListener('change', changed);
	form.addEventListener('submit', function () {
		submitting = true;
		/* the copy stays until the page after the save says it worked */
		put(copyKey(), JSON.stringify({ at: Date.now(), data: content() }));
	});
	w.addEventListener('beforeunload', function (ev) {
		if (submitting || !dirty || content() === lastSent)
			return undefined;
		ev.preventDefault();
		ev.returnValue = msg('unsaved');
		return msg('unsaved');
	});

	/* ---- the lead image picker ---- */
	function picker() {
		var field = form.querySelector('[data-media-field]');
		var dlg = d.querySelector('[data-picker]');
		if (!field || !dlg || typeof dlg.showModal !== 'function')
			return; /* the number field does the job */
		var input = field.querySelector('[data-media-input]');
		var fig = field.querySelector('[data-media-preview]');
		var img = field.querySelector('[data-media-img]');
		var cap = field.querySelector('[data-media-caption]');
		var grid = dlg.querySelector('[data-picker-grid]');
		var more = dlg.querySelector('[data-picker-more]');
		var pstatus = dlg.querySelector('[data-picker-status]');
		var qIn = dlg.querySelector('[data-picker-q]');
		var page = 1, query = '', seq = 0;
		function dmsg(n) { return dlg.getAttribute('data-msg-' + n) || ''; }
		function show(item) {
			input.value = item ? String(item.id) : '';
			if (item && item.src) {
				if (!img) {
					img = d.createElement('img');
					img.width = 160;
					img.setAttribute('data-media-img', '');
					fig.insertBefore(img, cap);
				}
				img.src = item.src;
				img.alt = item.alt || '';
				cap.textContent = item.caption || '';
				fig.hidden = false;
			} else {
				fig.hidden = true;
			}
			changed();
		}
		function tile(item) {
			var li = d.createElement('li');
			var b = d.createElement('button');
			b.type = 'button';
			b.setAttribute('data-media-id', item.id);
			var im = d.createElement('img');
			im.src = item.src;
			im.alt = '';
			im.loading = 'lazy';
			var t = d.createElement('span');
			t.textContent = '#' + item.id + ' ' + (item.caption || item.alt || dmsg('no-alt'));
			b.title = item.alt || dmsg('no-alt');
			b.appendChild(im);
			b.appendChild(t);
			b.addEventListener('click', function () {
				show(item);
				dlg.close();
				input.focus();
			});
			li.appendChild(b);
			return li;
		}
		function load(reset) {
			if (reset) {
				page = 1;
				grid.replaceChildren();
			}
			var mine = ++seq;
			var u = '/newsroom/media?format=json&page=' + page +
				(query ? '&q=' + encodeURIComponent(query) : '');
			fetch(u, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
				.then(function (res) {
					if (!res.ok)
						throw new Error(String(res.status));
					return res.json();
				}).then(function (j) {
					if (mine !== seq)
						return;
					(j.items || []).forEach(function (it) { grid.appendChild(tile(it)); });
					pstatus.textContent = grid.children.length ? '' : dmsg('none');
					more.hidden = !(j.page < j.pages);
				}).catch(function () {
					if (mine === seq)
						pstatus.textContent = dmsg('error');
				});
		}
		field.querySelector('[data-media-buttons]').hidden = false;
		field.querySelector('[data-media-choose]').addEventListener('click', function () {
			dlg.showModal();
			load(true);
			qIn.focus();
		});
		field.querySelector('[data-media-clear]').addEventListener('click', function () { show(null); });
		dlg.querySelector('[data-picker-search]').addEventListener('submit', function (ev) {
			ev.preventDefault();
			query = qIn.value.trim();
			load(true);
		});
		more.addEventListener('click', function () {
			page++;
			load(false);
		});
		dlg.querySelector('[data-picker-close]').addEventListener('click', function () { dlg.close(); });
		dlg.querySelector('[data-picker-upload]').addEventListener('click', function () {
			var file = dlg.querySelector('[data-picker-file]');
			if (!file.files || !file.files[0]) {
				file.focus();
				return;
			}
			var fd = new FormData();
			fd.append('csrf', csrf);
			fd.append('alt', dlg.querySelector('[data-picker-alt]').value);
			fd.append('file', file.files[0]);
			pstatus.textContent = dmsg('uploading');
			fetch('/newsroom/media', {
				method: 'POST',
				credentials: 'same-origin',
				headers: { Accept: 'application/json', 'X-CSRF-Token': csrf },
				body: fd
			}).then(function (res) {
				return res.json().catch(function () { return {}; }).then(function (j) {
					return { ok: res.ok, j: j };
				});
			}).then(function (r) {
				if (!r.ok || !r.j.id) {
					pstatus.textContent = r.j.error && r.j.error.message ? r.j.error.message : dmsg('error');
					return;
				}
				pstatus.textContent = '';
				file.value = '';
				show(r.j);
				dlg.close();
				input.focus();
			}).catch(function () { pstatus.textContent = dmsg('error'); });
		});
		/* A number typed by hand: the preview no longer says which. */
		input.addEventListener('input', function () { fig.hidden = true; });
	}

	lastSent = content();
	picker();
	offerCopy();
	setInterval(autosave, AUTOSAVE_MS);
	if (d.querySelector('[data-conflict]')) {
		/* The form holds text the server does not have, and now carries
		 * the other person's version: only an explicit Save may replace
		 * their text, never an autosave. */
		dirty = true;
		stopped = true;
		say(msg('conflict'));
	}
	if (live)
		say(msg('live'));
})();
