/* Taking a quiz: the countdown to the server's deadline, each choice saved as it is made (so a reload
   or a lost connection keeps it), and a question before handing in a sheet with unanswered
   questions. Without this script the sheet is a plain form: choosing and "Nộp bài" still work. */
(function () {
  "use strict";
  var form = document.querySelector("form.sheet");
  if (!form) { return; }
  var timer = document.querySelector("[data-seconds-left]");
  var state = form.querySelector(".save-state");
  var submitting = false;

  function answers() {
    var result = {};
    var boxes = form.querySelectorAll("fieldset.question");
    for (var i = 0; i < boxes.length; i++) {
      var chosen = [];
      var inputs = boxes[i].querySelectorAll("input:checked");
      for (var j = 0; j < inputs.length; j++) { chosen.push(parseInt(inputs[j].value, 10)); }
      if (chosen.length) { result[boxes[i].getAttribute("data-position")] = chosen; }
    }
    return result;
  }

  function unanswered() {
    return form.querySelectorAll("fieldset.question").length - Object.keys(answers()).length;
  }

  function say(text) { if (state) { state.textContent = text; } }

  // One save at a time, always of the whole sheet: a later choice is never overwritten by an earlier one.
  var saving = false, again = false;
  function save() {
    if (submitting) { return; }
    if (saving) { again = true; return; }
    saving = true;
    say("Đang lưu…");
    fetch(form.getAttribute("data-save-url"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": form.getAttribute("data-csrf") },
      body: JSON.stringify({ answers: answers() })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (reply) {
      if (reply.ok) {
        say("Đã lưu lựa chọn (" + reply.body.answered + " câu đã trả lời).");
      } else if (reply.body.url) {
        // Handed in elsewhere, or the time is up: the result page says which.
        submitting = true;
        window.location.assign(reply.body.url);
      } else {
        say(reply.body.error || "Chưa lưu được lựa chọn.");
      }
    }).catch(function () {
      say("Chưa lưu được (mất mạng?). Lựa chọn vẫn được gửi khi bạn nộp bài.");
    }).then(function () {
      saving = false;
      if (again) { again = false; save(); }
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.matches("input[type=radio], input[type=checkbox]")) { save(); }
  });

  form.addEventListener("submit", function (event) {
    if (submitting) { return; }
    var missing = unanswered();
    if (missing > 0 && !window.confirm("Còn " + missing + " câu chưa trả lời. Bạn vẫn muốn nộp bài?")) {
      event.preventDefault();
      return;
    }
    submitting = true;
  });

  if (!timer) { return; }
  var shown = timer.querySelector("strong");
  // Counted on the monotonic clock from the seconds the server sent: changing the phone's clock does not move it.
  var end = performance.now() + parseInt(timer.getAttribute("data-seconds-left"), 10) * 1000;
  function tick() {
    var left = Math.max(0, Math.round((end - performance.now()) / 1000));
    var minutes = Math.floor(left / 60), seconds = left % 60;
    shown.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    timer.classList.toggle("ending", left <= 60);
    if (left === 0) {
      if (!submitting) {
        submitting = true;
        say("Hết giờ: bài làm đang được nộp…");
        form.submit();  // the form's own submit skips the question about unanswered ones
      }
      return;
    }
    setTimeout(tick, 250);
  }
  tick();
}());
