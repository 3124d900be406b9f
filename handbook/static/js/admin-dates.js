/* The back office's date pickers in Vietnamese. Flask-Admin's admin/js/form.js opens every date
   box (data-role="datepicker", "datetimepicker" and the filters' ranges) with the bundled
   daterangepicker 1.3.22 in English (Su Mo Tu…, Jan Feb…, Apply/Cancel, "a to b") and offers only
   fifty years back, too few for a birth date. This registers a field converter (form.js's own hook,
   called before its built-in styles) that opens them with Vietnamese labels, weeks starting on
   Monday and years from 1900, day first as everywhere else: a form's box says its format
   (data-date-format, set by handbook/forms.py); a list filter's box, which bs4_filters.js marks ISO,
   gets the same format (the server's filters read both). */
(function ($) {
  "use strict";
  if (!$) { return; }
  var LOCALE = {
    applyLabel: "Chọn",
    cancelLabel: "Hủy",
    fromLabel: "Từ",
    toLabel: "Đến",
    weekLabel: "Tuần",
    customRangeLabel: "Tùy chọn",
    daysOfWeek: ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
    monthNames: ["Tháng 1", "Tháng 2", "Tháng 3", "Tháng 4", "Tháng 5", "Tháng 6", "Tháng 7", "Tháng 8",
                 "Tháng 9", "Tháng 10", "Tháng 11", "Tháng 12"],
    firstDay: 1
  };
  var ROLES = {
    datepicker: { timed: false, range: false },
    datetimepicker: { timed: true, range: false },
    daterangepicker: { timed: false, range: true },
    datetimerangepicker: { timed: true, range: true }
  };

  function openPicker($el, role) {
    var kind = ROLES[role];
    if (!kind) { return false; }
    var timed = kind.timed;
    if ($el.hasClass("filter-val")) {
      $el.attr("data-date-format", timed ? "DD/MM/YYYY HH:mm" : "DD/MM/YYYY");
    }
    $el.daterangepicker({
      singleDatePicker: !kind.range,
      separator: " đến ",
      showDropdowns: true,
      timePicker: timed,
      timePickerIncrement: 1,
      timePicker12Hour: false,
      minDate: window.moment("1900-01-01", "YYYY-MM-DD"),
      format: $el.attr("data-date-format"),
      locale: LOCALE,
      buttonClasses: ["btn", "btn-sm"],
      cancelClass: "btn-secondary"
    }, function () {
      $(".filter-val").trigger("change");  // as form.js does: a list filter applies on pick
    });
    if (timed && !kind.range) {
      $el.on("show.daterangepicker", function () {
        if ($el.val() === "") {  // an empty time opens on now, not on midnight
          var now = window.moment().seconds(0);
          $el.data("daterangepicker").setCustomDates(now, now);
        }
      });
    }
    return true;
  }

  // form.js announces itself with adminFormReady; a list's bs4_filters.js announces it again, so
  // the converter is added once only.
  var added = false;
  $(document).on("adminFormReady", function () {
    if (!added && window.faForm) {
      window.faForm.addFieldConverter(openPicker);
      added = true;
    }
  });
}(window.jQuery));
