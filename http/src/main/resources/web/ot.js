// ot.js: text operations in the wire form of docs/protocol.md ("Documents"): a positive integer
// retains, a string inserts, a negative integer deletes; an operation covers its whole base text,
// measured in UTF-16 code units (JavaScript string indices). transform() breaks ties exactly as the
// server does (the committed insert first), so every client converges on the server's text.
(function (global) {
  'use strict';

  class TextOperation {
    constructor() {
      this.ops = [];
      this.baseLength = 0;
      this.targetLength = 0;
    }

    static fromWire(ops) {
      const o = new TextOperation();
      ops.forEach((c) => {
        if (typeof c === 'string') o.insert(c);
        else if (c > 0) o.retain(c);
        else if (c < 0) o.delete(-c);
      });
      return o;
    }

    toWire() {
      return this.ops.slice();
    }

    retain(n) {
      if (n <= 0) return this;
      this.baseLength += n;
      this.targetLength += n;
      const last = this.ops.length - 1;
      if (last >= 0 && typeof this.ops[last] === 'number' && this.ops[last] > 0) this.ops[last] += n;
      else this.ops.push(n);
      return this;
    }

    insert(s) {
      if (!s) return this;
      this.targetLength += s.length;
      const ops = this.ops;
      const last = ops.length - 1;
      if (last >= 0 && typeof ops[last] === 'string') ops[last] += s;
      else if (last >= 0 && typeof ops[last] === 'number' && ops[last] < 0) {
        // keep inserts before deletes: one normal form, so equal operations compare equal
        if (last > 0 && typeof ops[last - 1] === 'string') ops[last - 1] += s;
        else ops.splice(last, 0, s);
      } else ops.push(s);
      return this;
    }

    delete(n) {
      if (n <= 0) return this;
      this.baseLength += n;
      const last = this.ops.length - 1;
      if (last >= 0 && typeof this.ops[last] === 'number' && this.ops[last] < 0) this.ops[last] -= n;
      else this.ops.push(-n);
      return this;
    }

    isNoop() {
      return this.ops.length === 0 || (this.ops.length === 1 && typeof this.ops[0] === 'number' && this.ops[0] > 0);
    }

    apply(text) {
      if (text.length !== this.baseLength) throw new Error('operation covers ' + this.baseLength + ' code units, text has ' + text.length);
      let out = '';
      let pos = 0;
      this.ops.forEach((c) => {
        if (typeof c === 'string') out += c;
        else if (c > 0) { out += text.slice(pos, pos + c); pos += c; }
        else pos -= c;
      });
      return out;
    }

    /** This operation followed by `other` (applied to this one's result), as one operation. */
    compose(other) {
      if (this.targetLength !== other.baseLength) throw new Error('cannot compose: lengths differ');
      const out = new TextOperation();
      const a = this.ops.slice();
      const b = other.ops.slice();
      let i = 0, j = 0;
      let x = a[i++], y = b[j++];
      while (x !== undefined || y !== undefined) {
        if (typeof x === 'number' && x < 0) { out.delete(-x); x = a[i++]; continue; }
        if (typeof y === 'string') { out.insert(y); y = b[j++]; continue; }
        if (x === undefined || y === undefined) throw new Error('cannot compose: ran out of components');
        const xLen = typeof x === 'string' ? x.length : x;
        const yLen = y > 0 ? y : -y;
        const n = Math.min(xLen, yLen);
        if (y > 0) {
          if (typeof x === 'string') out.insert(x.slice(0, n)); else out.retain(n);
        } else if (typeof x !== 'string') {
          out.delete(n);
        } // an insert deleted again: nothing
        x = typeof x === 'string' ? (x.length > n ? x.slice(n) : a[i++]) : (x > n ? x - n : a[i++]);
        y = y > 0 ? (y > n ? y - n : b[j++]) : (-y > n ? y + n : b[j++]);
      }
      return out;
    }

    /**
     * [committed', incoming'] for two operations on the same text: committed' applies after incoming,
     * incoming' after committed. At the same position the committed insert comes first.
     */
    static transform(committed, incoming) {
      if (committed.baseLength !== incoming.baseLength) throw new Error('cannot transform: base lengths differ');
      const ap = new TextOperation();
      const bp = new TextOperation();
      const a = committed.ops.slice();
      const b = incoming.ops.slice();
      let i = 0, j = 0;
      let x = a[i++], y = b[j++];
      while (x !== undefined || y !== undefined) {
        if (typeof x === 'string') { ap.insert(x); bp.retain(x.length); x = a[i++]; continue; }
        if (typeof y === 'string') { ap.retain(y.length); bp.insert(y); y = b[j++]; continue; }
        if (x === undefined || y === undefined) throw new Error('cannot transform: ran out of components');
        const n = Math.min(Math.abs(x), Math.abs(y));
        if (x > 0 && y > 0) { ap.retain(n); bp.retain(n); }
        else if (x > 0) bp.delete(n);
        else if (y > 0) ap.delete(n);
        // both delete it: gone on either side
        x = x > 0 ? (x > n ? x - n : a[i++]) : (-x > n ? x + n : a[i++]);
        y = y > 0 ? (y > n ? y - n : b[j++]) : (-y > n ? y + n : b[j++]);
      }
      return [ap, bp];
    }

    /**
     * Where a position of the base text lands in the target text. Text inserted exactly at it leaves it
     * before that text unless `ownInsert` (as the server moves cursors).
     */
    transformIndex(index, ownInsert) {
      let before = index;
      let out = 0;
      for (const c of this.ops) {
        if (typeof c === 'string') {
          if (before > 0 || ownInsert) out += c.length;
          else return out;
        } else if (c > 0) {
          if (before < c) return out + before;
          out += c;
          before -= c;
        } else {
          before = Math.max(0, before + c);
        }
      }
      return out;
    }

    /** An operation turning `from` into `to`: common prefix and suffix kept, the middle replaced. */
    static diff(from, to) {
      const max = Math.min(from.length, to.length);
      let prefix = 0;
      while (prefix < max && from.charCodeAt(prefix) === to.charCodeAt(prefix)) prefix++;
      if (prefix > 0 && isHigh(from.charCodeAt(prefix - 1))) prefix--;
      let suffix = 0;
      while (suffix < max - prefix && from.charCodeAt(from.length - 1 - suffix) === to.charCodeAt(to.length - 1 - suffix)) suffix++;
      if (suffix > 0 && isLow(from.charCodeAt(from.length - suffix))) suffix--;
      return new TextOperation()
        .retain(prefix)
        .insert(to.slice(prefix, to.length - suffix))
        .delete(from.length - prefix - suffix)
        .retain(suffix);
    }
  }

  function isHigh(c) { return c >= 0xd800 && c <= 0xdbff; }
  function isLow(c) { return c >= 0xdc00 && c <= 0xdfff; }

  global.TextOperation = TextOperation;
})(window);
