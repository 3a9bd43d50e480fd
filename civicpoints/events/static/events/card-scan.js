/* Scan a resident's QR card with the phone camera (organizer's event desk).
 * Reads frames with jsQR (vendored from npm, Apache-2.0); on a hit, puts the
 * code in the card form and submits it. No inline script: loaded as a file. */
(function () {
  "use strict";
  var button = document.getElementById("camera-scan");
  var form = document.getElementById("card-form");
  if (!button || !form || !window.jsQR) { return; }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    button.hidden = true;
    return;
  }
  var video = document.getElementById("camera-video");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
  }

  function tick() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var frame = context.getImageData(0, 0, canvas.width, canvas.height);
      var hit = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" });
      if (hit && hit.data) {
        stop();
        form.elements.token.value = hit.data;
        form.submit();
        return;
      }
    }
    window.requestAnimationFrame(tick);
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        video.setAttribute("playsinline", "");
        video.play();
        window.requestAnimationFrame(tick);
      })
      .catch(function () { button.disabled = true; });
  });
}());
