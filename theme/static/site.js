/* site.js - the reader site's only script (deferred, no dependencies).
 * Night theme and font size (localStorage; the inline script in layout
 * applies both before first paint), search overlay, copy link + toast,
 * print, click-to-load embeds, the view counter beacon, infinite loading
 * of lists and of the next article, live entries over Server-Sent Events.
 * Everything here is an enhancement: the pages work without it. */
(function () {
	'use strict';
	var d = document, root = d.documentElement, w = window;
	var THEME = 'gz-theme', FONT = 'gz-font';
	var FS_MIN = 14, FS_MAX = 24, FS_STEP = 2, FS_DEFAULT = 18;

	function get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
	function put(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
	function all(sel, ctx) { return Array.prototype.slice.call((ctx || d).querySelectorAll(sel)); }
	function closest(el, sel) { return el && el.closest ? el.closest(sel) : null; }

	/* ---- night theme ---- */
	var dark = w.matchMedia ? w.matchMedia('(prefers-color-scheme: dark)') : null;
	function isDark() {
		var t = root.getAttribute('data-theme');
		return t ? t === 'dark' : !!(dark && dark.matches);
	}
	function syncTheme() {
		var on = isDark();
		all('[data-theme-toggle]').forEach(function (b) {
			b.setAttribute('aria-pressed', on ? 'true' : 'false');
		});
		if (root.hasAttribute('data-theme'))
			all('meta[name="theme-color"]').forEach(function (m) {
				m.setAttribute('content', on ? '#121417' : '#ffffff');
			});
	}
	function toggleTheme() {
		var t = isDark() ? 'light' : 'dark';
		root.setAttribute('data-theme', t);
		put(THEME, t);
		syncTheme();
	}
	if (dark && dark.addEventListener) dark.addEventListener('change', syncTheme);

	/* ---- font size of article text ---- */
	function fontSize() {
		var v = parseInt(get(FONT), 10);
		return v >= FS_MIN && v <= FS_MAX ? v : FS_DEFAULT;
	}
	function syncFont() {
		var v = fontSize();
		all('[data-font]').forEach(function (b) {
			var dir = +b.getAttribute('data-font');
			var stuck = dir < 0 ? v <= FS_MIN : v >= FS_MAX;
			if (stuck) b.setAttribute('aria-disabled', 'true');
			else b.removeAttribute('aria-disabled');
		});
	}
	function changeFont(dir) {
		var v = Math.min(FS_MAX, Math.max(FS_MIN, fontSize() + dir * FS_STEP));
		put(FONT, String(v));
		root.style.setProperty('--fs', v + 'px');
		syncFont();
	}

	/* ---- toast (one polite live region in layout) ---- */
	var toastTimer;
	function toast(msg) {
		var t = d.querySelector('[data-toast]');
		if (!t || !msg) return;
		t.textContent = msg;
		t.classList.add('is-shown');
		clearTimeout(toastTimer);
		toastTimer = setTimeout(function () {
			t.classList.remove('is-shown');
			setTimeout(function () { t.textContent = ''; }, 300);
		}, 2500);
	}

	/* ---- copy link ---- */
	function copyText(text) {
		if (navigator.clipboard && w.isSecureContext)
			return navigator.clipboard.writeText(text).catch(function () { return copyOld(text); });
		return copyOld(text);
	}
	function copyOld(text) {
		return new Promise(function (ok, fail) {
			var ta = d.createElement('textarea');
			ta.value = text;
			ta.setAttribute('readonly', '');
			ta.style.cssText = 'position:fixed;top:0;left:0;opacity:0';
			d.body.appendChild(ta);
			ta.select();
			var done = false;
			try { done = d.execCommand('copy'); } catch (e) { /* unsupported */ }
			ta.remove();
			if (done) ok(); else fail(new Error('copy'));
		});
	}

	/* ---- search overlay: a <dialog>; without JS the link opens /search ---- */
	function openSearch(link) {
		var dlg = d.querySelector('[data-search-dialog]');
		if (!dlg || typeof dlg.showModal !== 'function') return false;
		dlg.showModal();
		var input = dlg.querySelector('input[name="q"]');
		if (input) {
			input.focus();
			suggest(dlg, input);
		}
		dlg._opener = link;
		return true;
	}

	/* As-you-type suggestions under the overlay's box, from
	 * GET /api/v1/search (the last word matches as a prefix). Debounced;
	 * an answer that arrives after a newer keystroke is dropped. The
	 * *_html members are escaped text with <mark> only (api_search.c).
	 * Enter still submits the form to /search?q=. */
	function suggest(dlg, input) {
		if (input._suggest) return;
		input._suggest = true;
		var list = d.createElement('ul');
		list.className = 'search-suggest';
		list.id = 'search-suggest';
		list.hidden = true;
		input.setAttribute('aria-controls', list.id);
		input.form.appendChild(list);
		var timer, seq = 0;
		function show(j, n) {
			if (n !== seq) return;
			list.textContent = '';
			(j.items || []).forEach(function (it) {
				var li = d.createElement('li');
				var a = d.createElement('a');
				a.href = it.url;
				a.className = 'search-suggest-link';
				var t = d.createElement('strong');
				t.className = 'search-suggest-title';
				t.innerHTML = it.title_html;
				var sn = d.createElement('span');
				sn.className = 'search-suggest-snippet';
				sn.innerHTML = it.snippet_html;
				a.appendChild(t);
				a.appendChild(d.createElement('br'));
				a.appendChild(sn);
				li.appendChild(a);
				list.appendChild(li);
			});
			list.hidden = !list.firstChild;
		}
		input.addEventListener('input', function () {
			clearTimeout(timer);
			var q = input.value, n = ++seq;
			if (q.trim().length < 2) { list.hidden = true; list.textContent = ''; return; }
			timer = setTimeout(function () {
				fetch('/api/v1/search?limit=6&edition=' + encodeURIComponent(root.lang) +
				      '&q=' + encodeURIComponent(q), { credentials: 'omit' })
					.then(function (r) { return r.ok ? r.json() : { items: [] }; })
					.then(function (j) { show(j, n); })
					.catch(function () { /* offline: Enter still works */ });
			}, 150);
		});
		/* Down from the box walks the suggestions; Escape closes the dialog. */
		dlg.addEventListener('keydown', function (e) {
			if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
			var links = all('a', list);
			if (!links.length || list.hidden) return;
			var i = links.indexOf(d.activeElement);
			i = e.key === 'ArrowDown' ? Math.min(i + 1, links.length - 1) : i - 1;
			(i < 0 ? input : links[i]).focus();
			e.preventDefault();
		});
	}

	/* ---- embeds: nothing from the host loads before the click ---- */
	var EMBEDS = {
		youtube: function (id) {
			return /^[\w-]{11}$/.test(id) && 'https://www.youtube-nocookie.com/embed/' + id + '?autoplay=1';
		},
		x: function (id) {
			return /^\d{1,19}$/.test(id) && 'https://platform.twitter.com/embed/Tweet.html?dnt=true&id=' + id;
		},
		telegram: function (id) {
			return /^[A-Za-z]\w{3,31}\/\d{1,10}$/.test(id) && 'https://t.me/' + id + '?embed=1';
		},
		instagram: function (id) {
			return /^[\w-]{5,64}$/.test(id) && 'https://www.instagram.com/p/' + id + '/embed';
		}
	};
	EMBEDS.twitter = EMBEDS.x;
	/* The id from the placeholder, else from the original URL. */
	function embedId(kind, fig, href) {
		var id = fig.getAttribute('data-embed-id'), m;
		if (id) return id;
		if (kind === 'youtube') m = /(?:v=|youtu\.be\/|\/(?:embed|shorts|live)\/)([\w-]{11})/.exec(href);
		else if (kind === 'x' || kind === 'twitter') m = /\/status(?:es)?\/(\d+)/.exec(href);
		else if (kind === 'telegram') m = /t(?:elegram)?\.me\/(?:s\/)?(\w+\/\d+)/.exec(href);
		else if (kind === 'instagram') m = /\/(?:p|reel|tv)\/([\w-]+)/.exec(href);
		return m ? m[1] : '';
	}
	function loadEmbed(fig) {
		var kind = fig.getAttribute('data-embed');
		var link = fig.querySelector('a[href]');
		var make = EMBEDS[kind];
		var src = make && make(embedId(kind, fig, link ? link.href : ''));
		if (!src) return false;
		var f = d.createElement('iframe');
		f.src = src;
		f.title = (link && link.textContent.replace(/\s+/g, ' ').trim()) || kind;
		f.setAttribute('allow', 'autoplay; encrypted-media; picture-in-picture; fullscreen');
		f.setAttribute('allowfullscreen', '');
		f.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
		fig.textContent = '';
		fig.appendChild(f);
		fig.classList.add('embed--loaded');
		if (!fig.classList.contains('embed--' + kind)) fig.classList.add('embed--' + kind);
		f.focus();
		return true;
	}
	function prepareEmbeds(ctx) {
		var label = d.body.getAttribute('data-embed-load');
		var notice = d.body.getAttribute('data-embed-notice');
		all('figure.embed[data-embed]', ctx).forEach(function (fig) {
			var a = fig.querySelector('a[href]');
			if (!a || fig.hasAttribute('data-ready')) return;
			fig.setAttribute('data-ready', '');
			if (label) a.setAttribute('data-load', label);
			if (notice) {
				var host = fig.querySelector('.embed__host'), p = d.createElement('p');
				p.className = 'embed__notice';
				p.textContent = notice.replace('{host}', host ? host.textContent : a.hostname);
				fig.appendChild(p);
			}
		});
	}

	/* ---- view counter: one beacon per page load, also from a cached page ---- */
	function countView(art) {
		var id = art.getAttribute('data-article');
		if (!/^\d+$/.test(id || '') || art.hasAttribute('data-counted')) return;
		art.setAttribute('data-counted', '');
		fetch('/api/v1/views/' + id, { method: 'POST', credentials: 'omit', keepalive: true })
			.then(function (r) { return r.ok ? r.json() : null; })
			.then(function (j) {
				if (!j || typeof j.views !== 'number') return;
				all('[data-views]', art).forEach(function (s) { s.textContent = String(j.views); });
			})
			.catch(function () { /* offline: keep the rendered number */ });
	}

	/* ---- infinite loading ---- */
	var io = 'IntersectionObserver' in w ? new IntersectionObserver(function (entries) {
		entries.forEach(function (e) {
			if (e.isIntersecting && e.target._more) e.target._more();
		});
	}, { rootMargin: '0px 0px 600px 0px' }) : null;

	function watch(el, fn) {
		if (!io || !el) return;
		el._more = function () {
			io.unobserve(el);
			el._more = null;
			fn();
		};
		io.observe(el);
	}
	function fragment(url) {
		return fetch(url, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } })
			.then(function (r) {
				if (!r.ok) throw new Error('HTTP ' + r.status);
				return r.text();
			})
			.then(function (html) {
				var t = d.createElement('template');
				t.innerHTML = html;
				return t.content;
			});
	}

	/* A list: [data-feed] holds [data-items] and a [data-pager] whose
	 * data-next is the next page with ?partial=1 (list_items). */
	function feed(box) {
		var pager = box.querySelector('[data-pager][data-next]');
		var items = box.querySelector('[data-items]');
		if (!pager || !items) return;
		watch(pager, function () {
			pager.classList.add('is-loading');
			items.setAttribute('aria-busy', 'true');
			fragment(pager.getAttribute('data-next')).then(function (frag) {
				var next = frag.querySelector('[data-pager]');
				if (next) next.remove();
				prepareEmbeds(frag);
				items.appendChild(frag);
				items.removeAttribute('aria-busy');
				if (next) {
					pager.replaceWith(next);
					feed(box);
				} else {
					pager.remove();
				}
			}).catch(function () {
				items.removeAttribute('aria-busy');
				pager.classList.remove('is-loading');
			});
		});
	}

	/* The next article: article_body (?partial=1) goes in before the loader. */
	var loadedArticles = 1;
	function nextArticle(nav) {
		var link = nav.querySelector('a[href]');
		if (!link) return;
		watch(nav, function () {
			var url = link.getAttribute('href');
			nav.classList.add('is-loading');
			fragment(url + (url.indexOf('?') < 0 ? '?' : '&') + 'partial=1').then(function (frag) {
				var art = frag.querySelector('article[data-article]');
				nav.classList.remove('is-loading');
				if (!art || d.getElementById(art.id)) { nav.remove(); return; }
				prepareEmbeds(art);
				nav.parentNode.insertBefore(art, nav);
				loadedArticles++;
				countView(art);
				syncFont();
				observeTitle(art);
				var more = art.getAttribute('data-next');
				if (more && loadedArticles < 20) {
					link.setAttribute('href', more);
					nextArticle(nav);
				} else {
					nav.remove();
				}
			}).catch(function () { nav.classList.remove('is-loading'); });
		});
	}

	/* While reading a loaded article, the address bar and title follow it. */
	var titleIO = 'IntersectionObserver' in w && w.history && history.replaceState ?
		new IntersectionObserver(function (entries) {
			entries.forEach(function (e) {
				if (!e.isIntersecting) return;
				var art = e.target.parentNode.closest('article');
				var url = art && art.getAttribute('data-url');
				if (!url) return;
				try {
					var u = new URL(url, location.href);
					if (u.pathname !== location.pathname) history.replaceState(null, '', u.pathname);
					d.title = art.getAttribute('data-title') || d.title;
				} catch (err) { /* another origin: leave the address alone */ }
			});
		}, { rootMargin: '0px 0px -70% 0px' }) : null;
	function observeTitle(art) {
		var h = art.querySelector('.article-head');
		if (titleIO && h) titleIO.observe(h);
	}

	/* ---- live entries over Server-Sent Events ----
	 * The page's list carries data-stream (its first connect sends the
	 * id the page was rendered at, so nothing in between is lost; the
	 * browser's reconnects send Last-Event-ID). Messages: new, edit, pin
	 * (data: the entry with its <li> in html), delete (the entry's id),
	 * state (the event: ended shows the notice and stops). */
	function liveTime(li) {
		var t = li && li.querySelector('time');
		return t ? Date.parse(t.getAttribute('datetime')) || 0 : 0;
	}
	function livePlace(list, li) {
		var pinned = li.classList.contains('live-entry--pinned'), at = liveTime(li);
		var kids = all('.live-entry', list), before = null;
		for (var i = 0; i < kids.length && !before; i++) {
			var k = kids[i], kp = k.classList.contains('live-entry--pinned');
			if (k === li) continue;
			if (pinned ? (!kp || liveTime(k) <= at) : (!kp && liveTime(k) <= at)) before = k;
		}
		list.insertBefore(li, before);
	}
	function live(list) {
		var src = list.getAttribute('data-stream');
		if (!src || !w.EventSource) return;
		var es = new EventSource(src);
		function entry(ev) {
			var j;
			try { j = JSON.parse(ev.data); } catch (e) { return; }
			if (!j || !j.id) return;
			var old = d.getElementById('entry-' + j.id);
			if (j.deleted || !j.html) { if (old) old.remove(); return; }
			var t = d.createElement('template');
			t.innerHTML = j.html;
			var li = t.content.firstElementChild;
			if (!li) return;
			prepareEmbeds(li);
			if (old && old.classList.contains('live-entry--pinned') === li.classList.contains('live-entry--pinned')) {
				old.replaceWith(li);
				return;
			}
			if (old) old.remove();
			else if (ev.type === 'new') li.classList.add('live-entry--new');
			livePlace(list, li);
		}
		['new', 'edit', 'pin', 'delete'].forEach(function (type) { es.addEventListener(type, entry); });
		es.addEventListener('state', function (ev) {
			var j;
			try { j = JSON.parse(ev.data); } catch (e) { return; }
			if (!j || j.state !== 'ended') return;
			es.close();
			var st = d.querySelector('.live-page .live-state');
			var text = list.getAttribute('data-ended');
			if (st && text) {
				st.className = 'live-state live-state--ended';
				st.textContent = text;
			}
		});
	}

	/* ---- the live banner: hidden or retitled when its event changes ----
	 * Cached pages may show a banner for an event that has just ended:
	 * the banner stream starts with the edition's live events, so the
	 * banner is right within a second of the page loading and of every
	 * change after that. */
	function liveBanner(banner) {
		var src = banner.getAttribute('data-stream');
		if (!src || !w.EventSource) return;
		var es = new EventSource(src);
		es.addEventListener('state', function (ev) {
			var j;
			try { j = JSON.parse(ev.data); } catch (e) { return; }
			if (!j || !j.live) return;
			if (!j.live.length) { banner.hidden = true; return; }
			banner.hidden = false;
			var a = banner.querySelector('a'), t = banner.querySelector('.live-title');
			if (a) a.setAttribute('href', j.live[0].url);
			if (t) t.textContent = j.live[0].title;
		});
	}

	/* ---- one click handler for everything, also for loaded content ---- */
	d.addEventListener('click', function (e) {
		var t = e.target, el;
		if ((el = closest(t, '[data-theme-toggle]'))) {
			toggleTheme();
		} else if ((el = closest(t, '[data-font]'))) {
			if (el.getAttribute('aria-disabled') !== 'true') changeFont(+el.getAttribute('data-font'));
		} else if ((el = closest(t, '[data-copy]'))) {
			var msg = el.getAttribute('data-copied');
			copyText(el.getAttribute('data-copy')).then(function () { toast(msg); }, function () {});
		} else if ((el = closest(t, '[data-print]'))) {
			w.print();
		} else if ((el = closest(t, '[data-search-open]'))) {
			if (!e.defaultPrevented && e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey &&
			    openSearch(el)) e.preventDefault();
		} else if ((el = closest(t, '[data-search-close]'))) {
			closest(el, 'dialog').close();
		} else if (t.matches && t.matches('[data-search-dialog]')) {
			var r = t.getBoundingClientRect(); /* the backdrop, not the padding */
			if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) t.close();
		} else if ((el = closest(t, 'figure.embed[data-embed]')) && closest(t, 'a[href], button') &&
			   !el.classList.contains('embed--loaded')) {
			if (loadEmbed(el)) e.preventDefault();
		}
	});

	/* ---- start ---- */
	syncTheme();
	syncFont();
	prepareEmbeds(d);
	all('article[data-article]').forEach(function (a) { countView(a); observeTitle(a); });
	all('[data-feed]').forEach(feed);
	all('[data-next-article]').forEach(nextArticle);
	all('[data-live-entries]').forEach(live);
	all('[data-live-banner]').forEach(liveBanner);
})();
