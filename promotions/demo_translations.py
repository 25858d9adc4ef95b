"""The demo campaign in French, German, Spanish, Arabic and Hebrew (PRODUCT.md, "Every
market"; the last two right-to-left):
its content per language; the interface strings are in the catalogs (locale/)."""

from __future__ import annotations

from django.db.models import Model

from promotions.campaigns.languages import language_field_suffix
from promotions.models import Campaign, Prize, Promotion

DEMO_LANGUAGES = ["fr", "de", "es", "ar", "he"]

CAMPAIGN = {
    "fr": {
        "name": "Lancement du Nova X",
        "description": "Fêtez le Nova X : gagnez-en un, tournez un film avec, économisez sur "
        "les accessoires.",
    },
    "de": {
        "name": "Nova X Launch",
        "description": "Feiern Sie das Nova X: Gewinnen Sie eins, drehen Sie einen Film damit, "
        "sparen Sie beim Zubehör.",
    },
    "es": {
        "name": "Lanzamiento del Nova X",
        "description": "Celebra el Nova X: gana uno, rueda una película con él y ahorra en "
        "accesorios.",
    },
    "ar": {
        "name": "إطلاق Nova X",
        "description": "احتفل بهاتف Nova X: اربح واحدًا، وصوّر به فيلمًا، ووفّر على الملحقات.",
    },
    "he": {
        "name": "השקת Nova X",
        "description": "חוגגים את Nova X: זוכים באחד, מצלמים איתו סרט וחוסכים באביזרים.",
    },
}

RULES = {
    "fr": "AUCUN ACHAT NÉCESSAIRE. Ouvert aux résidents légaux des pays indiqués, âgés de 18 "
    "ans ou plus. Les participations ferment à la fin de la période de la promotion (heure de "
    "Paris). Les gagnants sont tirés au sort selon une procédure publiée et vérifiable, et "
    "contactés par e-mail. Chaque participant dégage entièrement Facebook de toute "
    "responsabilité. Cette promotion n'est en aucun cas sponsorisée, soutenue, administrée "
    "par Facebook ni associée à Facebook.",
    "de": "KEIN KAUF ERFORDERLICH. Teilnahmeberechtigt sind Personen mit rechtmäßigem "
    "Wohnsitz in den genannten Ländern ab 18 Jahren. Die Teilnahme endet mit dem Ende des "
    "Aktionszeitraums (Pariser Zeit). Die Gewinner werden nach einem veröffentlichten, "
    "überprüfbaren Verfahren zufällig gezogen und per E-Mail benachrichtigt. Jeder "
    "Teilnehmer stellt Facebook vollständig von jeder Haftung frei. Diese Aktion wird in "
    "keiner Weise von Facebook gesponsert, unterstützt oder durchgeführt und steht in keiner "
    "Verbindung zu Facebook.",
    "es": "NO ES NECESARIO COMPRAR. Abierto a residentes legales de los países indicados, "
    "mayores de 18 años. Las participaciones se cierran al final del periodo de la promoción "
    "(hora de París). Los ganadores se sortean al azar con un procedimiento publicado y "
    "verificable, y se les contacta por correo electrónico. Cada participante exime "
    "completamente a Facebook de toda responsabilidad. Esta promoción no está patrocinada, "
    "avalada ni administrada por Facebook, ni asociada en modo alguno con Facebook.",
    "ar": "لا يلزم الشراء. المشاركة متاحة للمقيمين إقامة قانونية في البلدان المذكورة ممن "
    "بلغوا 18 عامًا أو أكثر. تُغلق المشاركات بنهاية فترة العرض (بتوقيت باريس). يُسحب "
    "الفائزون عشوائيًا وفق إجراء منشور يمكن التحقق منه، ويُتواصل معهم عبر البريد "
    "الإلكتروني. يُبرئ كل مشارك فيسبوك إبراءً تامًا من أي مسؤولية. هذا العرض غير مموَّل أو "
    "معتمد أو مُدار من قِبل فيسبوك بأي شكل من الأشكال، ولا يرتبط بفيسبوك.",
    "he": "אין צורך ברכישה. ההשתתפות פתוחה לתושבים חוקיים של המדינות המפורטות, בני 18 "
    "ומעלה. ההרשמה נסגרת בסוף תקופת המבצע (לפי שעון פריז). הזוכים נבחרים בהגרלה אקראית "
    "לפי נוהל שפורסם וניתן לאימות, ונוצר איתם קשר בדוא״ל. כל משתתף פוטר את Facebook "
    "לחלוטין מכל אחריות. המבצע אינו ממומן, נתמך או מנוהל על ידי Facebook בשום צורה, ואינו "
    "קשור ל-Facebook.",
}

PROMOTIONS: dict[str, dict[str, dict[str, str]]] = {
    "giveaway": {
        "fr": {
            "title": "Gagnez le nouveau Nova X",
            "description": "Participez une fois par jour pour tenter de gagner l'un des trois "
            "Nova X.",
            "cta_label": "Participer au tirage",
        },
        "de": {
            "title": "Gewinnen Sie das neue Nova X",
            "description": "Nehmen Sie einmal am Tag teil und gewinnen Sie mit etwas Glück "
            "eines von drei Nova X.",
            "cta_label": "Am Gewinnspiel teilnehmen",
        },
        "es": {
            "title": "Gana el nuevo Nova X",
            "description": "Participa una vez al día para optar a uno de los tres Nova X.",
            "cta_label": "Participar en el sorteo",
        },
        "ar": {
            "title": "اربح هاتف Nova X الجديد",
            "description": "شارك مرة واحدة يوميًا لتحظى بفرصة الفوز بأحد ثلاثة هواتف Nova X.",
            "cta_label": "شارك في السحب",
        },
        "he": {
            "title": "זכו ב-Nova X החדש",
            "description": "השתתפו פעם ביום והיכנסו להגרלה על אחד משלושה מכשירי Nova X.",
            "cta_label": "להשתתפות בהגרלה",
        },
    },
    "instant": {
        "fr": {
            "title": "Instant gagnant : ouvrez la boîte",
            "description": "Jouez une fois par jour et découvrez aussitôt si vous gagnez des "
            "écouteurs ou une coque.",
            "cta_label": "Jouer maintenant",
        },
        "de": {
            "title": "Sofortgewinn: Öffnen Sie die Box",
            "description": "Spielen Sie einmal am Tag und erfahren Sie sofort, ob Sie Ohrhörer "
            "oder eine Hülle gewonnen haben.",
            "cta_label": "Jetzt spielen",
        },
        "es": {
            "title": "Premio instantáneo: abre la caja",
            "description": "Juega una vez al día y descubre al momento si has ganado unos "
            "auriculares o una funda.",
            "cta_label": "Jugar ahora",
        },
        "ar": {
            "title": "فوز فوري: افتح الصندوق",
            "description": "العب مرة واحدة يوميًا واعرف فورًا إن كنت قد ربحت سماعات أذن أو "
            "غطاءً للهاتف.",
            "cta_label": "العب الآن",
        },
        "he": {
            "title": "זכייה מיידית: פתחו את הקופסה",
            "description": "שחקו פעם ביום וגלו מיד אם זכיתם באוזניות או בכיסוי לטלפון.",
            "cta_label": "לשחק עכשיו",
        },
    },
    "shorts": {
        "fr": {
            "title": "Tourné avec Nova : concours de courts métrages",
            "description": "Envoyez un film de 60 secondes maximum tourné avec votre "
            "téléphone. Un jury et le vote du public désignent les gagnants.",
            "cta_label": "Envoyer votre film",
        },
        "de": {
            "title": "Gedreht mit Nova: Kurzfilmwettbewerb",
            "description": "Reichen Sie einen höchstens 60 Sekunden langen Film ein, gedreht "
            "mit Ihrem Handy. Eine Jury und das Publikum wählen die Gewinner.",
            "cta_label": "Film einreichen",
        },
        "es": {
            "title": "Rodado con Nova: concurso de cortometrajes",
            "description": "Envía una película de hasta 60 segundos rodada con tu móvil. Un "
            "jurado y el voto del público eligen a los ganadores.",
            "cta_label": "Envía tu película",
        },
        "ar": {
            "title": "صُوّر بهاتف Nova: مسابقة الأفلام القصيرة",
            "description": "أرسل فيلمًا لا تتجاوز مدته 60 ثانية صوّرته بهاتفك. تختار لجنة "
            "تحكيم وتصويت الجمهور الفائزين.",
            "cta_label": "أرسل فيلمك",
        },
        "he": {
            "title": "צולם ב-Nova: תחרות סרטים קצרים",
            "description": "שלחו סרט של עד 60 שניות שצילמתם בטלפון. חבר שופטים והצבעת הקהל "
            "בוחרים את הזוכים.",
            "cta_label": "לשליחת הסרט",
        },
    },
    "coupon": {
        "fr": {
            "title": "15 % de remise sur les accessoires",
            "description": "Obtenez votre code personnel et utilisez-le dans la boutique.",
            "cta_label": "Obtenir mon code",
        },
        "de": {
            "title": "15 % Rabatt auf Zubehör",
            "description": "Holen Sie sich Ihren persönlichen Code und lösen Sie ihn im Shop ein.",
            "cta_label": "Meinen Code holen",
        },
        "es": {
            "title": "15 % de descuento en accesorios",
            "description": "Consigue tu código personal y úsalo en la tienda.",
            "cta_label": "Conseguir mi código",
        },
        "ar": {
            "title": "خصم 15% على الملحقات",
            "description": "احصل على رمزك الشخصي واستخدمه في المتجر.",
            "cta_label": "احصل على رمزي",
        },
        "he": {
            "title": "15% הנחה על אביזרים",
            "description": "קבלו קוד אישי ומממשו אותו בחנות.",
            "cta_label": "לקבלת הקוד שלי",
        },
    },
}

# Prizes by their English name.
PRIZES: dict[str, dict[str, dict[str, str]]] = {
    "Nova X phone": {
        "fr": {"name": "Téléphone Nova X", "description": "256 Go, au choix de la couleur"},
        "de": {"name": "Nova X Smartphone", "description": "256 GB, Farbe nach Wahl"},
        "es": {"name": "Teléfono Nova X", "description": "256 GB, del color que elijas"},
        "ar": {"name": "هاتف Nova X", "description": "سعة 256 غيغابايت، بأي لون تختاره"},
        "he": {"name": "טלפון Nova X", "description": "256GB, בצבע לבחירתכם"},
    },
    "Nova Buds earbuds": {
        "fr": {"name": "Écouteurs Nova Buds"},
        "de": {"name": "Nova Buds Ohrhörer"},
        "es": {"name": "Auriculares Nova Buds"},
        "ar": {"name": "سماعات Nova Buds"},
        "he": {"name": "אוזניות Nova Buds"},
    },
    "Nova X case": {
        "fr": {"name": "Coque Nova X"},
        "de": {"name": "Nova X Hülle"},
        "es": {"name": "Funda Nova X"},
        "ar": {"name": "غطاء Nova X"},
        "he": {"name": "כיסוי Nova X"},
    },
    "Jury prize: a Nova X and a festival pass": {
        "fr": {"name": "Prix du jury : un Nova X et un pass pour le festival"},
        "de": {"name": "Jurypreis: ein Nova X und ein Festivalpass"},
        "es": {"name": "Premio del jurado: un Nova X y un pase para el festival"},
        "ar": {"name": "جائزة لجنة التحكيم: هاتف Nova X وتذكرة لحضور المهرجان"},
        "he": {"name": "פרס השופטים: Nova X וכרטיס לפסטיבל"},
    },
    "Audience prize: Nova Buds": {
        "fr": {"name": "Prix du public : des Nova Buds"},
        "de": {"name": "Publikumspreis: Nova Buds"},
        "es": {"name": "Premio del público: unos Nova Buds"},
        "ar": {"name": "جائزة الجمهور: سماعات Nova Buds"},
        "he": {"name": "פרס הקהל: אוזניות Nova Buds"},
    },
}


def _columns_set(obj: Model, values: dict[str, dict[str, str]]) -> None:
    """Write each language's columns when they differ (a second seed changes nothing)."""
    changes = {
        f"{field}_{language_field_suffix(code)}": text
        for code, fields in values.items()
        for field, text in fields.items()
        if getattr(obj, f"{field}_{language_field_suffix(code)}") != text
    }
    if changes:
        type(obj)._default_manager.filter(pk=obj.pk).update(**changes)
        for column, text in changes.items():
            setattr(obj, column, text)


def demo_translations_apply(campaign: Campaign) -> None:
    """The demo campaign, its promotions and prizes in every language of DEMO_LANGUAGES,
    offered on its pages."""
    _columns_set(campaign, CAMPAIGN)
    if campaign.languages != DEMO_LANGUAGES or campaign.reviewed_languages != DEMO_LANGUAGES:
        Campaign.objects.filter(pk=campaign.pk).update(
            languages=DEMO_LANGUAGES, reviewed_languages=DEMO_LANGUAGES
        )
        campaign.languages = campaign.reviewed_languages = list(DEMO_LANGUAGES)
    for promotion in Promotion.objects.filter(campaign=campaign, slug__in=PROMOTIONS):
        texts = PROMOTIONS[promotion.slug]
        _columns_set(
            promotion, {code: {**texts[code], "official_rules": RULES[code]} for code in texts}
        )
    # The translated columns are made at run time (modeltranslation): named as strings.
    for prize in Prize.objects.filter(promotion__campaign=campaign, **{"name_en__in": PRIZES}):
        _columns_set(prize, PRIZES[str(getattr(prize, "name_en"))])  # noqa: B009
