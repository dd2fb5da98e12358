/*! Weir beacon: <script async src="https://WEIR/weir-beacon.js" data-source="ID"></script>
 page views (load, pushState, popstate) → WEIR/api/collect/ID. No cookies. docs/beacon.md */
(function (w, d) {
  var s = d.currentScript || d.querySelector('script[data-source][src*="weir-beacon"]');
  var id = s && s.getAttribute('data-source'), n = w.navigator;
  if (!id || w.__weirBeacon) return;
  w.__weirBeacon = 1;
  if (s.hasAttribute('data-respect-dnt') && (n.doNotTrack == '1' || n.doNotTrack == 'yes' || w.doNotTrack == '1' || n.msDoNotTrack == '1')) return;
  var a = d.createElement('a');
  a.href = s.src;
  var api = (s.getAttribute('data-api') || a.protocol + '//' + a.host) + '/api/collect/' + encodeURIComponent(id);
  var last, ref = d.referrer;
  function send() {
    var url = w.location.href.split('#')[0];
    if (url === last) return;
    var body = JSON.stringify({
      url: url, referrer: ref || undefined, title: d.title || undefined, ts: new Date().getTime(),
      lang: n.language || undefined, screen: w.screen ? w.screen.width + 'x' + w.screen.height : undefined
    });
    ref = last = url;
    // A string is sent as text/plain: no CORS preflight, and it survives page unload.
    try { if (n.sendBeacon && n.sendBeacon(api, body)) return; } catch (e) {}
    if (w.fetch) {
      w.fetch(api, { method: 'POST', body: body, keepalive: true, credentials: 'omit', headers: { 'Content-Type': 'text/plain' } })['catch'](function () {});
    } else if (w.XMLHttpRequest) {
      var x = new XMLHttpRequest();
      x.open('POST', api, true);
      x.setRequestHeader('Content-Type', 'text/plain');
      x.send(body);
    }
  }
  var h = w.history, push = h && h.pushState;
  if (push) {
    h.pushState = function () { var r = push.apply(this, arguments); send(); return r; };
    w.addEventListener('popstate', send);
  }
  send();
})(window, document);
