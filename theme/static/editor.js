/* editor.js - the article editor's script (newsroom/article_edit;
 * deferred, no dependencies). Never lose a word:
 *   - autosave: every AUTOSAVE_MS, when the text changed, the whole form
 *     goes to POST {id}/autosave (a new article becomes a draft on its
 *     first autosave and the page takes its URLs); the reply's version is
 *     written back into the form so that Save still works. A published or
 *     scheduled article is not autosaved to the server (readers would see
 *     half-written text): its changes stay in this browser until Save.
 *   - a copy of the form in localStorage after each change, offered back
 *     when the page is opened again without it (a crash, a closed tab, a
 *     lost connection); dropped once the server has the text.
 *   - a warning before leaving the page with unsaved changes.
 *   - live preview: the text is rendered by the server (POST
 *     /newsroom/preview), the same renderer readers get.
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
		if (live) {
			say(msg('live'));
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
			if (r.status === 200 && j.live) {
				live = true;
				say(msg('live'));
				return;
			}
			if (r.status === 200 && j.ok) {
				lastSent = sent;
				if (content() === sent)
					dirty = false;
				if (j.id && id === '0')
					adopt(j.id);
				if (j.version && form.elements.version)
					form.elements.version.value = j.version;
				var vl = d.querySelector('[data-version-label]');
				if (vl && j.version)
					vl.textContent = j.version;
				if (!dirty)
					drop(copyKey());
				say(j.message || '');
				return;
			}
			if (r.status === 200) /* nothing to keep yet */
				return;
			if (r.status === 409) {
				stopped = true;
				say(msg('conflict'));
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

	lastSent = content();
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
		form.setAttribute('data-autosave', 'browser');
})();
