/* The kernel-free view of a convutil explorer (convutil/widgets.py writes the HTML around it).
   Precomputed frames, chosen with plain HTML controls: no library, no kernel, no network.
   The script finds its container through document.currentScript (no ids), so an explorer
   may be shown twice on a page. The first frame lives only in the <img> (not in the data). */
(function () {
  var root = document.currentScript.parentElement;
  var data = JSON.parse(root.querySelector("script[type='application/json']").textContent);
  var img = root.querySelector("img");
  var first = img.getAttribute("src");
  var inputs = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
  var outs = Array.prototype.slice.call(root.querySelectorAll("[data-out]"));
  function key() {
    return inputs.map(function (el, i) { return data.values[i][+el.value]; }).join("|");
  }
  function show() {
    var k = key(), i = data.index[k];
    img.src = data.frames[i] ? "data:image/webp;base64," + data.frames[i] : first;
    img.alt = data.alts[i];
    img.setAttribute("data-key", k);
    outs.forEach(function (el, j) { el.textContent = data.values[j][+inputs[j].value]; });
  }
  inputs.forEach(function (el) {
    el.addEventListener("input", show);
    el.addEventListener("change", show);
  });
  /* "play" steps through the first control's values once, then stops. */
  var button = root.querySelector("button"), timer = null;
  function stop() { clearInterval(timer); timer = null; button.textContent = "\u25B6 play"; }
  if (button) {
    button.addEventListener("click", function () {
      if (timer) { stop(); return; }
      var el = inputs[0], last = data.values[0].length - 1;
      if (+el.value >= last) { el.value = 0; show(); }
      button.textContent = "\u275A\u275A pause";
      timer = setInterval(function () {
        el.value = +el.value + 1;
        show();
        if (+el.value >= last) { stop(); }
      }, 600);
    });
  }
})();
