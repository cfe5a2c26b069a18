// Sandbox processor: take the resident back to the pay page at once. Without scripts the
// page shows a Continue button that does the same.
(function () {
  "use strict";
  var form = document.getElementById("return-form");
  if (form) {
    form.submit();
  }
})();
