// The owner's page: a pairing link and its QR code for another device.
// The session, the requests and the helpers are in app.js, loaded first.
'use strict';

// The QR code comes from the Pi (QRCoder, as SVG); parsed as an image, never run, and recoloured by the
// palette's CSS (night: black modules on a dim red quiet zone, still readable by a phone's camera).
function showQr(svgText) {
  const figure = $('pair-qr');
  const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
  if (parsed.localName !== 'svg') { figure.hidden = true; return; }
  const svg = document.importNode(parsed, true);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'QR code of the pairing link: scan it with the phone\'s camera');
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  const caption = document.createElement('figcaption');
  caption.textContent = 'Scan with the phone\'s camera';
  figure.replaceChildren(svg, caption);
  figure.hidden = false;
}

$('pair').addEventListener('click', async () => {
  say('');
  try {
    const pairing = await api('POST', '/api/backup/session/pairing', { origin: location.origin });
    const out = $('pair-link');
    out.replaceChildren();
    if (/^(localhost|127\.|\[::1\])/.test(location.hostname)) {
      out.append('This page is open as ', location.hostname, ', which a phone cannot reach: open it by the helm\'s network address (or run d3kos-backup pair ADDRESS) to make a link for a phone. ');
    }
    const a = document.createElement('a');
    a.href = pairing.url;
    a.textContent = pairing.url;
    const minutes = Math.round((new Date(pairing.expires).getTime() - Date.now()) / 60000);
    out.append(`Valid ${minutes} minutes, once: open it on the other device before ${new Date(pairing.expires).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: `, a);
    showQr(pairing.qr_svg);
  } catch (error) {
    failed(error);
  }
});
