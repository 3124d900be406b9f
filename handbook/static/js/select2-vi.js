/* Vietnamese messages for the select2 3.5 that Flask-Admin's Bootstrap 4 theme bundles (its
   vendor/select2/select2.min.js, 3.5.2). Written here rather than vendored: the release's
   select2_locale_vi.js appends an English plural "s" ("1 ký tựs") and lacks the screen-reader and
   loading-failed messages. Loaded after select2 and before admin/js/form.js builds the dropdowns,
   which take their messages from $.fn.select2.defaults when they are created. */
(function ($) {
  "use strict";
  if (!$ || !$.fn.select2) { return; }
  $.fn.select2.locales.vi = {
    formatMatches: function (count) {
      return count === 1
        ? "Có 1 kết quả, nhấn Enter để chọn."
        : "Có " + count + " kết quả, dùng phím mũi tên lên xuống để chọn.";
    },
    formatNoMatches: function () { return "Không tìm thấy kết quả phù hợp"; },
    formatAjaxError: function () { return "Không tải được kết quả, vui lòng thử lại"; },
    formatInputTooShort: function (input, min) {
      return "Vui lòng nhập thêm ít nhất " + (min - input.length) + " ký tự để tìm";
    },
    formatInputTooLong: function (input, max) {
      return "Vui lòng xóa bớt " + (input.length - max) + " ký tự";
    },
    formatSelectionTooBig: function (limit) { return "Chỉ được chọn tối đa " + limit + " mục"; },
    formatLoadMore: function () { return "Đang tải thêm kết quả…"; },
    formatSearching: function () { return "Đang tìm…"; }
  };
  $.extend($.fn.select2.defaults, $.fn.select2.locales.vi);
}(window.jQuery));
