/* The pay page's card step in Stripe mode (docs/payment-page-scripts.md).
 *
 * Stripe.js draws the card fields in Stripe's own frames; this script only mounts them,
 * confirms the SetupIntent Payline created for this link (the bank may ask the resident to
 * authenticate: Stripe.js shows that on the page), and then posts the PaymentMethod id it got
 * back, with the signed state, to /pay/<token>/method. The card number and security code go
 * to Stripe only. No inline script, no eval: the page's Content-Security-Policy allows neither.
 */
(function () {
  "use strict";

  var form = document.getElementById("card-form");
  if (!form) {
    return;
  }
  var message = document.getElementById("card-errors");
  var button = form.querySelector("button[type=submit]");
  var unavailable = "The card form could not load. Please try again in a few minutes, " +
    "pay from a bank account, or call 311.";

  function say(text) {
    message.textContent = text || "";
    message.hidden = !text;
  }

  if (typeof Stripe !== "function") {
    say(unavailable);
    button.disabled = true;
    return;
  }

  var stripe = Stripe(form.getAttribute("data-publishable-key"));
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  card.on("change", function (event) {
    say(event && event.error ? event.error.message : "");
  });

  var busy = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    button.disabled = true;
    say("");
    stripe.confirmCardSetup(form.getAttribute("data-client-secret"), {
      payment_method: {card: card}
    }).then(function (result) {
      var method = result && result.setupIntent && result.setupIntent.payment_method;
      if (result && result.error || !method) {
        var error = result && result.error;
        say((error && error.message) || "We could not use that card. Please check it or " +
            "use another card.");
        busy = false;
        button.disabled = false;
        return;
      }
      form.elements.payment_token.value = typeof method === "string" ? method : method.id;
      form.submit();  // a real navigation: the review page comes from Payline's server
    }, function () {
      say(unavailable);
      busy = false;
      button.disabled = false;
    });
  });
}());
