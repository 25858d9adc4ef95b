"""The shop (products, stock, offers, orders) is built by the shop issue."""
