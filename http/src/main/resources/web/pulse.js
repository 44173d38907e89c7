// pulse.js: the small browser client every page of the web UI shares. It speaks only the public
// protocol (docs/protocol.md): a dev token from POST /api/dev/tokens (or one the user pasted), one
// WebSocket with the pulse.v1 subprotocol, refs matched to replies and errors, subscriptions that
// remember the highest seq they processed and resume with `since` after any reconnect.
(function (global) {
  'use strict';

  /** An error frame the server answered, or a local failure (code "disconnected", "http_<status>"). */
  class PulseError extends Error {
    constructor(code, message, frame) {
      super(message || code);
      this.code = code;
      this.frame = frame || null;
    }
  }

  const params = new URLSearchParams(global.location ? global.location.search : '');

  /** The user this tab acts as: ?user=, else the one this browser profile used last, else a new one. */
  function currentUser() {
    let user = params.get('user');
    if (!user) {
      try { user = global.localStorage.getItem('pulse.user'); } catch (e) { user = null; }
    }
    if (!user) user = 'guest-' + Math.random().toString(36).slice(2, 8);
    try { global.localStorage.setItem('pulse.user', user); } catch (e) { /* private mode */ }
    return user;
  }

  /** A token for `userId`: ?token= or a pasted one wins (production has no dev endpoint), else the dev endpoint's. */
  async function token(userId, roles) {
    const given = params.get('token');
    if (given) return given;
    const res = await fetch('/api/dev/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(roles && roles.length ? { userId, roles } : { userId }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new PulseError(body.error || 'http_' + res.status, body.message || 'no dev token (is the node in the dev profile?)');
    return body.token;
  }

  /**
   * One subscription. `onEvent(event)` gets every event of the topic; `onReply(data)` the subscribe
   * reply's data, each time the subscription is (re)made. With `resume` (durable topics) the highest
   * seq seen is sent as `since` on every resubscribe; without it the subscription starts afresh
   * (ephemeral topics, and the book, whose reply is a new snapshot).
   */
  class Subscription {
    constructor(client, topic, options) {
      this.client = client;
      this.topic = topic;
      this.extra = options.extra || {};
      this.resume = options.resume !== false;
      this.lastSeq = options.since === undefined ? null : options.since;
      this.onEvent = options.onEvent || (() => {});
      this.onReply = options.onReply || (() => {});
      this.onError = options.onError || ((e) => client.emit('error', e));
      this.active = true;
    }

    frame() {
      const f = Object.assign({ type: 'subscribe', topic: this.topic }, this.extra);
      if (this.resume && this.lastSeq !== null) f.since = this.lastSeq;
      return f;
    }

    /** Durable events move lastSeq on; an event at or below it was processed already (a replay overlap). */
    accept(event) {
      if (event.seq !== undefined && this.resume) {
        if (this.lastSeq !== null && event.seq <= this.lastSeq) return false;
        this.lastSeq = event.seq;
      }
      return true;
    }

    send() {
      if (!this.active) return Promise.resolve(null);
      return this.client.request(this.frame()).then(
        (data) => {
          if (this.resume && this.lastSeq === null && data && typeof data.lastSeq === 'number') this.lastSeq = data.lastSeq;
          this.onReply(data);
          return data;
        },
        (err) => {
          if (err.code !== 'disconnected') this.onError(err);
          throw err;
        });
    }

    unsubscribe() {
      this.active = false;
      // replaced by a newer subscription to the same topic: that one stays
      if (this.client.subscriptions.get(this.topic) !== this) return Promise.resolve(null);
      this.client.subscriptions.delete(this.topic);
      if (this.client.connected) return this.client.request({ type: 'unsubscribe', topic: this.topic }).catch(() => null);
      return Promise.resolve(null);
    }
  }

  class Client {
    /** `options`: userId (default currentUser()), roles, url (default this page's host /ws). */
    constructor(options) {
      options = options || {};
      this.userId = options.userId || currentUser();
      this.roles = options.roles || [];
      const proto = global.location.protocol === 'https:' ? 'wss:' : 'ws:';
      this.url = options.url || proto + '//' + global.location.host + '/ws';
      this.pending = new Map();
      this.subscriptions = new Map();
      this.listeners = {};
      this.nextRef = 1;
      this.connected = false;
      this.closedByUs = false;
      this.retries = 0;
      this.welcome = null;
    }

    on(name, fn) {
      (this.listeners[name] = this.listeners[name] || []).push(fn);
      return this;
    }

    emit(name, value) {
      (this.listeners[name] || []).forEach((fn) => {
        try { fn(value); } catch (e) { console.error(e); }
      });
    }

    /** Resolves with the welcome frame once the socket is open; reconnects by itself afterwards. */
    async connect() {
      if (!this.token) this.token = await token(this.userId, this.roles);
      return new Promise((resolve, reject) => this.open(resolve, reject));
    }

    open(resolve, reject) {
      this.emit('status', 'connecting');
      const ws = new WebSocket(this.url + '?access_token=' + encodeURIComponent(this.token), 'pulse.v1');
      this.ws = ws;
      let welcomed = false;
      ws.onmessage = (m) => {
        let frame;
        try { frame = JSON.parse(m.data); } catch (e) { return; }
        if (!welcomed && frame.type === 'welcome') {
          welcomed = true;
          this.welcome = frame;
          this.connected = true;
          this.retries = 0;
          this.startHeartbeat(frame.heartbeatMs || 20000);
          this.emit('status', 'connected');
          // resubscribe everything (after a reconnect: with since, so nothing is missed or repeated)
          this.subscriptions.forEach((s) => s.send().catch(() => null));
          if (resolve) resolve(frame);
          resolve = null;
          return;
        }
        this.dispatch(frame);
      };
      ws.onclose = (e) => {
        this.connected = false;
        clearInterval(this.heartbeat);
        this.pending.forEach((p) => p.reject(new PulseError('disconnected', 'the socket closed (' + e.code + ')')));
        this.pending.clear();
        this.emit('status', 'disconnected');
        this.emit('close', e.code);
        if (!welcomed && reject) {
          // the first connect of a page: say why instead of retrying silently
          reject(new PulseError('connect_failed', 'could not open the WebSocket (close ' + e.code + ')'));
          reject = null;
          resolve = null;
          return;
        }
        // 1009: we sent something too big, resending will not help; 1000 by us: the page is done
        if (this.closedByUs || e.code === 1009) return;
        // refused before the welcome (a 401 for an expired token looks the same to a browser): new token
        if (!welcomed) this.token = null;
        this.retry();
      };
    }

    /** Reconnects after a jittered, exponentially growing pause (at most 10–20 s). */
    retry() {
      const delay = Math.min(10000, 250 * Math.pow(2, this.retries++)) * (1 + Math.random());
      setTimeout(() => {
        (this.token ? Promise.resolve(this.token) : token(this.userId, this.roles)).then(
          (t) => { this.token = t; this.open(null, null); },
          (err) => { this.emit('error', err); this.retry(); });
      }, delay);
    }

    startHeartbeat(ms) {
      clearInterval(this.heartbeat);
      // a protocol ping keeps the connection counted as active (presence) and clear of the idle timeout
      this.heartbeat = setInterval(() => {
        if (this.connected) this.request({ type: 'ping' }).catch(() => null);
      }, Math.max(1000, ms / 2));
    }

    dispatch(frame) {
      if ((frame.type === 'reply' || frame.type === 'error' || frame.type === 'pong') && frame.ref !== undefined && this.pending.has(frame.ref)) {
        const p = this.pending.get(frame.ref);
        this.pending.delete(frame.ref);
        if (frame.type === 'error') p.reject(new PulseError(frame.code, frame.message, frame));
        else p.resolve(frame.data === undefined ? frame : frame.data);
        return;
      }
      if (frame.type === 'error') {
        this.emit('error', new PulseError(frame.code, frame.message, frame));
        return;
      }
      if (frame.type !== 'event') return;
      const sub = this.subscriptions.get(frame.topic);
      if (sub) {
        if (frame.event === 'unsubscribed') {
          const code = frame.data && frame.data.code;
          // resume / unavailable: the server asks us to come back with since
          if (code === 'resume' || code === 'unavailable') sub.send().catch(() => null);
          else sub.active = false;
          sub.onEvent(frame);
          return;
        }
        if (sub.accept(frame)) sub.onEvent(frame);
        return;
      }
      this.emit('event', frame);
    }

    /** Sends `frame` with a fresh ref; resolves with the reply's data, rejects with a PulseError. */
    request(frame) {
      if (!this.connected) return Promise.reject(new PulseError('disconnected', 'not connected'));
      const ref = 'r' + this.nextRef++;
      const out = Object.assign({}, frame, { ref });
      return new Promise((resolve, reject) => {
        this.pending.set(ref, { resolve, reject });
        this.ws.send(JSON.stringify(out));
      });
    }

    /** Fire and forget (e.g. conv.typing): no ref, nothing to wait for. */
    send(frame) {
      if (this.connected) this.ws.send(JSON.stringify(frame));
    }

    /** Subscribes to `topic` (see Subscription); resolves with the first reply's data. */
    subscribe(topic, options) {
      const old = this.subscriptions.get(topic);
      if (old) old.active = false;
      const sub = new Subscription(this, topic, options || {});
      this.subscriptions.set(topic, sub);
      sub.promise = this.connected ? sub.send() : Promise.resolve(null);
      return sub;
    }

    close() {
      this.closedByUs = true;
      if (this.ws) this.ws.close(1000);
    }
  }

  // ---- small page helpers -------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === undefined || v === null || v === false) return;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? '' : v);
    });
    children.flat().forEach((c) => e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c))));
    return e;
  }

  /** The page's header: who the user is, whether the socket is up, the last error. */
  function header(client, title) {
    const status = el('span', { id: 'status', class: 'status' }, 'connecting');
    const error = el('span', { id: 'last-error', class: 'error' });
    const userBox = el('input', { id: 'user', value: client.userId, size: 14, title: 'the user id this tab acts as' });
    const switchUser = el('button', {
      onclick: () => {
        const p = new URLSearchParams(location.search);
        p.set('user', userBox.value.trim());
        location.search = p.toString();
      },
    }, 'switch');
    const bar = el('header', {}, el('a', { href: '/' }, 'Pulse'), ' · ', el('strong', {}, title), ' ',
      el('span', { class: 'who' }, 'user ', userBox, switchUser), ' ', status, ' ', error);
    document.body.prepend(bar);
    client.on('status', (s) => { status.textContent = s; status.dataset.state = s; });
    client.on('error', (e) => showError(e));
    return bar;
  }

  function showError(e) {
    const box = document.getElementById('last-error');
    if (box) box.textContent = e ? (e.code ? e.code + ': ' : '') + (e.message || e) : '';
    if (e) console.warn('pulse', e);
  }

  function randomId(prefix) {
    return (prefix || '') + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 8);
  }

  function time(ms) {
    return ms ? new Date(ms).toLocaleTimeString() : '';
  }

  global.Pulse = { Client, PulseError, currentUser, token, el, header, showError, randomId, time, params };
})(window);
