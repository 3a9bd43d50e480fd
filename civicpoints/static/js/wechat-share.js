// Sharing inside WeChat (issue 15): configure the JS-SDK with the signature the page
// carries in its JSON data block #wx-share, then give "send to a friend" and
// "share to Moments" our title, description, link (with the sharer token) and image.
(function () {
  "use strict";
  var block = document.getElementById("wx-share");
  if (!block || !window.wx) {
    return;
  }
  var card = JSON.parse(block.textContent);
  var c = card.config;
  window.wx.config({
    debug: false,
    appId: c.appId,
    timestamp: c.timestamp,
    nonceStr: c.nonceStr,
    signature: c.signature,
    jsApiList: c.jsApiList
  });
  window.wx.ready(function () {
    window.wx.updateAppMessageShareData({
      title: card.title,
      desc: card.desc,
      link: card.link,
      imgUrl: card.imgUrl
    });
    window.wx.updateTimelineShareData({
      title: card.title,
      link: card.link,
      imgUrl: card.imgUrl
    });
  });
})();
