from datetime import timedelta

import factory
from django.utils import timezone

from shop.models import Code, Offer, Order, OrderLine, Product, Variant
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
