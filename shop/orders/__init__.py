"""Orders: their page, marking them paid or closed, and what follows a payment (the
confirmation email, the conversion in tracking's reports)."""
