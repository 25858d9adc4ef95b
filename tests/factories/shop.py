"""One factory per shop model."""

from datetime import timedelta

import factory
from django.utils import timezone

from shop.models import (
    CapiAttempt,
    CapiDelivery,
    Code,
    Market,
    Offer,
    OfferCustomerUsage,
    Order,
    OrderLine,
    Price,
    Product,
    ProductImage,
    Redemption,
    Refund,
    StripeEvent,
    Variant,
)
from tests.factories.promotions import BrandFactory


class ProductFactory(factory.django.DjangoModelFactory):
    """A product on sale with one unnamed variant holding ``stock`` units (default 10)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    brand = factory.SubFactory(BrandFactory)
    slug = factory.Sequence(lambda n: f"product-{n}")
    title = factory.Sequence(lambda n: f"Product {n}")
    description = "A fine thing."
    price = 2000
    currency = "EUR"

    @factory.post_generation
    def stock(obj, create, extracted, **kwargs):
        if create:
            Variant.objects.create(
                product=obj, name="", stock=10 if extracted is None else extracted
            )


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Option {n}")
    stock = 10


class MarketFactory(factory.django.DjangoModelFactory):
    """The brand sells to visitors from the United States in dollars."""

    class Meta:
        model = Market

    brand = factory.SubFactory(BrandFactory)
    country = "US"
    currency = "USD"


class PriceFactory(factory.django.DjangoModelFactory):
    """A product's price in dollars (21.99)."""

    class Meta:
        model = Price

    product = factory.SubFactory(ProductFactory)
    currency = "USD"
    amount = 2199


class OfferFactory(factory.django.DjangoModelFactory):
    """20% off the whole order, unique codes, valid from yesterday for 30 days."""

    class Meta:
        model = Offer

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Offer {n}")
    kind = Offer.Kind.PERCENT
    percent_off = 20
    code_type = Offer.CodeType.UNIQUE
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class CodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Code

    offer = factory.SubFactory(OfferFactory)
    brand = factory.SelfAttribute("offer.brand")
    code = factory.Sequence(lambda n: f"CODE{n:05d}")
    max_uses = factory.LazyAttribute(
        lambda c: 1 if c.offer.code_type == Offer.CodeType.UNIQUE else None
    )


class OrderFactory(factory.django.DjangoModelFactory):
    """A paid order of one unit of a new product (no Stripe involved)."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    brand = factory.SubFactory(BrandFactory)
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    customer_key = factory.LazyAttribute(lambda o: o.email.lower())
    status = Order.Status.PAID
    currency = "EUR"
    subtotal = 2000
    discount = 0
    total = factory.LazyAttribute(lambda o: o.subtotal - o.discount)
    reserved_until = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=15))
    paid_at = factory.LazyFunction(timezone.now)
    payment_intent_id = factory.Sequence(lambda n: f"pi_test{n:06d}")

    @factory.post_generation
    def lines(obj, create, extracted, **kwargs):
        if create and extracted is None:
            product = ProductFactory(brand=obj.brand, price=obj.subtotal, currency=obj.currency)
            OrderLine.objects.create(
                order=obj,
                variant=product.variants.get(),
                product_title=product.title,
                unit_price=obj.subtotal,
                quantity=1,
                discount=obj.discount,
                total=obj.total,
            )


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(filename="case.png", width=8, height=8)
    alt = "The case, seen from the back."


class OfferCustomerUsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferCustomerUsage

    offer = factory.SubFactory(OfferFactory)
    customer_key = factory.Sequence(lambda n: f"buyer{n}@example.com")
    uses = 1


class OrderLineFactory(factory.django.DjangoModelFactory):
    """A line of one unit of the order's brand's new product, at the product's price."""

    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    variant = factory.LazyAttribute(
        lambda o: ProductFactory(brand=o.order.brand, currency=o.order.currency).variants.get()
    )
    product_title = factory.LazyAttribute(lambda o: o.variant.product.title)
    variant_name = factory.LazyAttribute(lambda o: o.variant.name)
    unit_price = factory.LazyAttribute(lambda o: o.variant.unit_price)
    quantity = 1
    discount = 0
    total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity - o.discount)


class RedemptionFactory(factory.django.DjangoModelFactory):
    """The order's use of a new code of a new offer of its brand, confirmed (it is paid)."""

    class Meta:
        model = Redemption

    order = factory.SubFactory(OrderFactory)
    offer = factory.LazyAttribute(lambda r: OfferFactory(brand=r.order.brand))
    code = factory.LazyAttribute(lambda r: CodeFactory(offer=r.offer))
    customer_key = factory.SelfAttribute("order.customer_key")
    discount = factory.SelfAttribute("order.discount")
    status = Redemption.Status.CONFIRMED


class RefundFactory(factory.django.DjangoModelFactory):
    """A refund of the whole order, sent to Stripe and waiting for its confirmation."""

    class Meta:
        model = Refund

    order = factory.SubFactory(OrderFactory)
    stripe_refund_id = factory.Sequence(lambda n: f"re_test{n:06d}")
    amount = factory.SelfAttribute("order.total")
    currency = factory.SelfAttribute("order.currency")
    status = Refund.Status.PENDING


class StripeEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StripeEvent

    id = factory.Sequence(lambda n: f"evt_test{n:06d}")
    type = "payment_intent.succeeded"
    payload = factory.LazyAttribute(lambda e: {"id": e.id, "type": e.type, "data": {}})


class CapiDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapiDelivery

    order = factory.SubFactory(OrderFactory)
    event_id = factory.LazyAttribute(lambda d: str(d.order.pk))


class CapiAttemptFactory(factory.django.DjangoModelFactory):
    """A failed call: what the delivery log shows most often."""

    class Meta:
        model = CapiAttempt

    delivery = factory.SubFactory(CapiDeliveryFactory)
    ok = False
    http_status = 500
    response = '{"error": {"message": "Service temporarily unavailable"}}'
