// Product page checkout: Stripe Elements collects the card, the server prices the cart,
// reserves the stock, creates and confirms the PaymentIntent; 3-D Secure, when the card
// asks for it, runs here with stripe.confirmCardPayment. The amount never comes from here.
//
// stripe.js and this file are both deferred: they run in document order once the page is
// parsed, so Stripe is normally there already. Should stripe.js come later (async, slow),
// this starts at the window's load event instead; without Stripe, Pay stays disabled.
(function () {
  "use strict";
  var form = document.getElementById("checkout");
  if (!form) return;
  if (typeof Stripe !== "undefined") start();
  else window.addEventListener("load", function () { if (typeof Stripe !== "undefined") start(); });

  function start() {
    var cfg = form.dataset;
    var stripe = Stripe(cfg.stripeKey);
    var card = stripe.elements().create("card", { hidePostalCode: true });
    card.mount("#card-element");

    var pay = form.querySelector("[data-pay]");
    var errorBox = form.querySelector("[data-error]");
    var codeStatus = form.querySelector("[data-code-status]");
    var payLabel = pay.textContent.trim();
    pay.disabled = false; // disabled in the HTML: without JavaScript there is no card field
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

    function newCheckoutId() {
      if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
      return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
        return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
      });
    }
    var checkoutId = newCheckoutId();

    function cart() {
      return {
        items: [{ variant: parseInt(form.variant.value, 10), quantity: parseInt(form.quantity.value, 10) || 1 }],
        email: form.email.value.trim(),
        code: form.code.value.trim()
      };
    }

    function post(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { ok: response.ok, status: response.status, data: data };
        });
      });
    }

    function message(res) {
      return (res.data && res.data.error && res.data.error.message) || cfg.msgError;
    }

    function showError(text) {
      errorBox.textContent = text || "";
      if (text) errorBox.scrollIntoView({ block: "nearest" });
    }

    function busy(on) {
      pay.disabled = on;
      pay.textContent = on ? cfg.msgProcessing : payLabel;
      form.setAttribute("aria-busy", on ? "true" : "false");
    }

    function showTotals(quote) {
      form.querySelector("[data-subtotal]").textContent = quote.display.subtotal;
      form.querySelector("[data-total]").textContent = quote.display.total;
      var row = form.querySelector("[data-discount-row]");
      row.hidden = !quote.discount;
      form.querySelector("[data-discount]").textContent = "−" + quote.display.discount;
      pay.textContent = payLabel = payLabel.split(" · ")[0] + " · " + quote.display.total;
    }

    // Totals come from the server (the same computation the order will charge).
    function refreshQuote(withCode) {
      var body = cart();
      if (!withCode) body.code = "";
      if (!body.email) delete body.email;
      return post(cfg.quoteUrl, body).then(function (res) {
        if (res.ok) {
          showTotals(res.data);
          if (withCode && body.code) codeStatus.textContent = cfg.msgApplied + " " + res.data.offer.benefit;
        } else if (withCode && res.data.error && res.data.error.fields && res.data.error.fields.code) {
          codeStatus.textContent = res.data.error.message;
          return refreshQuote(false);
        } else {
          showError(message(res));
        }
        return res;
      });
    }

    form.querySelector("[data-apply]").addEventListener("click", function () {
      showError("");
      codeStatus.textContent = "";
      refreshQuote(true);
    });
    form.quantity.addEventListener("change", function () { refreshQuote(!!form.code.value.trim()); });
    if (form.variant.tagName === "SELECT") {
      form.variant.addEventListener("change", function () { refreshQuote(!!form.code.value.trim()); });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      showError("");
      if (!form.email.value.trim() || !form.email.checkValidity()) {
        showError(form.email.validationMessage || "Email?");
        form.email.focus();
        return;
      }
      busy(true);
      var body = cart();
      stripe
        .createPaymentMethod({ type: "card", card: card, billing_details: { email: body.email } })
        .then(function (result) {
          if (result.error) throw { message: result.error.message };
          body.payment_method = result.paymentMethod.id;
          body.checkout_id = checkoutId;
          return post(cfg.checkoutUrl, body);
        })
        .then(function (res) {
          if (!res.ok) {
            checkoutId = newCheckoutId(); // that attempt is over; the next one is a new order
            throw { message: message(res) };
          }
          var payment = res.data.payment;
          if (payment.status !== "requires_action") return res.data.order.url;
          return stripe.confirmCardPayment(payment.client_secret).then(function (result) {
            if (result.error) {
              checkoutId = newCheckoutId();
              throw { message: result.error.message || cfg.msgError };
            }
            return res.data.order.url;
          });
        })
        .then(function (url) { window.location.assign(url); })
        .catch(function (err) {
          busy(false);
          showError((err && err.message) || cfg.msgError);
        });
    });
  }
})();
