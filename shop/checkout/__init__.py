"""Checkout: carts priced on the server, the order created with its stock and code held,
its PaymentIntent, and the holds given back when the order does not get paid."""
