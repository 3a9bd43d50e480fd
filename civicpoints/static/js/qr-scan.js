/* Scan a QR code with the phone camera and submit it in a form (POST, never the URL).
 *
 * Used by the event desk (a resident's card) and the merchant counter (a voucher
 * or a discount card). Markup: a button
 *   <button type="button" data-qr-scan data-qr-form="FORM_ID" data-qr-field="NAME"
 *           data-qr-video="VIDEO_ID">
 * On a hit the decoded text goes into the form's field NAME and the form is
 * submitted. Frames are read with jsQR (vendored from npm 1.4.0, Apache-2.0,
 * static/vendor/). No inline script: loaded as a file (the CSP forbids inline). */
(function () {
  "use strict";
  if (!window.jsQR) { return; }
  var canScan = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var active = null; // {button, video, stream}

  function stop() {
    if (!active) { return; }
    active.stream.getTracks().forEach(function (t) { t.stop(); });
    active.video.hidden = true;
    active.button.setAttribute("aria-pressed", "false");
    active = null;
  }

  function tick(state) {
    if (active !== state) { return; }
    var video = state.video;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var frame = context.getImageData(0, 0, canvas.width, canvas.height);
      var hit = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "attemptBoth" });
      if (hit && hit.data) {
        var form = document.getElementById(state.button.getAttribute("data-qr-form"));
        stop();
        form.elements[state.button.getAttribute("data-qr-field")].value = hit.data;
        form.submit();
        return;
      }
    }
    window.requestAnimationFrame(function () { tick(state); });
  }

  function start(button) {
    var video = document.getElementById(button.getAttribute("data-qr-video"));
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        stop();
        var state = { button: button, video: video, stream: stream };
        active = state;
        video.setAttribute("playsinline", "");
        video.srcObject = stream;
        video.hidden = false;
        button.setAttribute("aria-pressed", "true");
        video.play();
        window.requestAnimationFrame(function () { tick(state); });
      })
      .catch(function () { button.disabled = true; });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-qr-scan]"), function (button) {
    if (!canScan) { button.hidden = true; return; }
    button.addEventListener("click", function () {
      if (active && active.button === button) { stop(); } else { start(button); }
    });
  });
}());
