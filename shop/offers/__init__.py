"""Offers and codes: availability + condition + benefit, the shop's code pool, and the
promotion coupons (``promotions.CouponCode``) that the shop honours."""
