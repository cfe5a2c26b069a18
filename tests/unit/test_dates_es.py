"""Payment dates in Spanish (conversation/understanding/dates.py), as residents type them: with
or without accents, "el viernes que viene", "15 de dic", numeric dates written day/month."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation.understanding import dates as natural_dates
from conversation.understanding.dates import describe_date, parse_natural_date
from domain.errors import InvalidDate

TODAY = date(2026, 11, 23)  # a Monday
FRIDAY = date(2026, 11, 27)
NEXT_WEEK_FRIDAY = date(2026, 12, 4)


@pytest.mark.parametrize("text, expected", [
    # relative words
    ("hoy", TODAY), ("Hoy mismo", TODAY), ("mañana", date(2026, 11, 24)),
    ("manana", date(2026, 11, 24)), ("MAÑANA!", date(2026, 11, 24)),
    ("pasado mañana", date(2026, 11, 25)), ("pasado manana", date(2026, 11, 25)),
    ("esta tarde", TODAY), ("esta noche", TODAY), ("esta mañana", TODAY),
    ("mañana en la tarde", date(2026, 11, 24)), ("mañana por la mañana", date(2026, 11, 24)),
    # weekdays: the first one strictly after today
    ("el viernes", FRIDAY), ("viernes", FRIDAY), ("Viernes", FRIDAY), ("este viernes", FRIDAY),
    ("el próximo viernes", FRIDAY), ("el proximo viernes", FRIDAY), ("próximo viernes", FRIDAY),
    ("el viernes que viene", FRIDAY), ("el viernes próximo", FRIDAY), ("viernez", FRIDAY),
    ("biernes", FRIDAY), ("el lunes", date(2026, 11, 30)), ("el martes", date(2026, 11, 24)),
    ("el miércoles", date(2026, 11, 25)), ("miercoles", date(2026, 11, 25)),
    ("el jueves", date(2026, 11, 26)), ("el sábado", date(2026, 11, 28)),
    ("sabado", date(2026, 11, 28)), ("el domingo", date(2026, 11, 29)),
    ("el sáb", date(2026, 11, 28)), ("el vie", FRIDAY),
    ("el viernes por la mañana", FRIDAY), ("quiero pagar el viernes por favor", FRIDAY),
    ("el viernes de la semana que viene", NEXT_WEEK_FRIDAY),
    ("el viernes de la próxima semana", NEXT_WEEK_FRIDAY),
    ("la semana que viene el viernes", NEXT_WEEK_FRIDAY),
    ("la próxima semana el viernes", NEXT_WEEK_FRIDAY),
    ("el viernes de la otra semana", NEXT_WEEK_FRIDAY),
    # days of the month: this month unless passed, else next month
    ("el 15", date(2026, 12, 15)), ("el día 15", date(2026, 12, 15)),
    ("el dia 15", date(2026, 12, 15)), ("para el 15", date(2026, 12, 15)),
    ("hasta el 10", date(2026, 12, 10)), ("el 23", TODAY), ("el 30", date(2026, 11, 30)),
    ("el quince", date(2026, 12, 15)), ("el veintiuno", date(2026, 12, 21)),
    ("el primero", date(2026, 12, 1)), ("el 1ro", date(2026, 12, 1)),
    ("el 15 del mes que viene", date(2026, 12, 15)),
    ("el 25 del próximo mes", date(2026, 12, 25)),
    ("el 15 de este mes", date(2026, 11, 15)),  # passed: refused later by the payment rules
    ("el 28 del mes", date(2026, 11, 28)),
    # month names, both orders, abbreviations
    ("el 15 de diciembre", date(2026, 12, 15)), ("15 de diciembre", date(2026, 12, 15)),
    ("15 de dic", date(2026, 12, 15)), ("15 dic", date(2026, 12, 15)),
    ("dic 15", date(2026, 12, 15)), ("diciembre 3", date(2026, 12, 3)),
    ("3 de Diciembre", date(2026, 12, 3)), ("el quince de diciembre", date(2026, 12, 15)),
    ("el primero de enero", date(2027, 1, 1)), ("1ro de enero", date(2027, 1, 1)),
    ("el 1º de enero", date(2027, 1, 1)), ("el uno de diciembre", date(2026, 12, 1)),
    ("el día 5 de enero", date(2027, 1, 5)), ("5 de ene", date(2027, 1, 5)),
    ("10 de setiembre", date(2027, 9, 10)), ("disiembre 3", date(2026, 12, 3)),
    ("el 15 de diciembre de 2027", date(2027, 12, 15)),
    ("3 de diciembre del 2026", date(2026, 12, 3)), ("3 de diciembre, 2026", date(2026, 12, 3)),
    ("29 de febrero de 2028", date(2028, 2, 29)),
    ("viernes 4 de diciembre", NEXT_WEEK_FRIDAY),  # as describe_date writes it
    ("el viernes, 4 de diciembre", NEXT_WEEK_FRIDAY),
    ("domingo 3 de enero de 2027", date(2027, 1, 3)),
    ("15 de nov", date(2026, 11, 15)),  # within the recent-past window: the past date
    # periods
    ("en dos semanas", date(2026, 12, 7)), ("en 2 semanas", date(2026, 12, 7)),
    ("dentro de 3 días", date(2026, 11, 26)), ("dentro de 3 dias", date(2026, 11, 26)),
    ("en 10 días", date(2026, 12, 3)), ("en diez dias", date(2026, 12, 3)),
    ("en una semana", date(2026, 11, 30)), ("dentro de una semana", date(2026, 11, 30)),
    ("en un mes", date(2026, 12, 23)), ("en quince días", date(2026, 12, 8)),
    ("dentro de un par de semanas", date(2026, 12, 7)),
    ("3 días después", date(2026, 11, 26)), ("una semana después", date(2026, 11, 30)),
    ("en 10 días a partir de mañana", date(2026, 12, 4)),
    ("en 2 semanas a partir de hoy", date(2026, 12, 7)),
    # the end of the month
    ("a fin de mes", date(2026, 11, 30)), ("fin de mes", date(2026, 11, 30)),
    ("al final del mes", date(2026, 11, 30)), ("a finales de mes", date(2026, 11, 30)),
    ("el último día del mes", date(2026, 11, 30)),
    ("fin del mes que viene", date(2026, 12, 31)),
    ("al final del próximo mes", date(2026, 12, 31)),
    # inside a sentence, with the amount in it
    ("¿Puedo pagar el 15 de diciembre?", date(2026, 12, 15)),
    ("programarlo para el 5 de enero por favor", date(2027, 1, 5)),
    ("pagar $40 el viernes", FRIDAY), ("pagar 40 dólares el 3 de diciembre", date(2026, 12, 3)),
    ("mañana (martes)", date(2026, 11, 24)),
])
def test_parses_spanish_dates(text: str, expected: date) -> None:
    assert parse_natural_date(text, TODAY, language="es") == expected
    # Residents mix: the English conversation reads them too.
    assert parse_natural_date(text, TODAY) == expected


@pytest.mark.parametrize("text, expected", [
    ("15/12", date(2026, 12, 15)),  # day/month: the only reading
    ("12/15", date(2026, 12, 15)),  # month/day: the only reading
    ("15/12/2026", date(2026, 12, 15)), ("15-12-2026", date(2026, 12, 15)),
    ("25/12/26", date(2026, 12, 25)), ("1512", date(2026, 12, 15)),
    ("15122026", date(2026, 12, 15)), ("5/5", date(2027, 5, 5)),  # the same either way
    ("el 15/12", date(2026, 12, 15)), ("2026-12-03", date(2026, 12, 3)),
])
def test_numeric_dates_that_read_only_one_way(text: str, expected: date) -> None:
    assert parse_natural_date(text, TODAY, language="es") == expected


@pytest.mark.parametrize("text, first, second", [
    ("3/12", "12 de marzo", "3 de diciembre"), ("03/12", "12 de marzo", "3 de diciembre"),
    ("3/12/2026", "12 de marzo", "3 de diciembre"), ("1205", "5 de diciembre", "12 de mayo"),
    ("12052026", "5 de diciembre", "12 de mayo"), ("03-12-2026", "12 de marzo", "3 de diciembre"),
    ("pagar el 3/12", "12 de marzo", "3 de diciembre"),
])
def test_numeric_dates_that_read_two_ways_are_refused_in_spanish(text: str, first: str,
                                                                 second: str) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_natural_date(text, TODAY, language="es")
    assert first in caught.value.detail and second in caught.value.detail
    assert "nombre del mes" in caught.value.detail
    # The English conversation keeps the bills' month/day reading.
    assert isinstance(parse_natural_date(text, TODAY), date)


def test_february_29_written_day_first() -> None:
    assert parse_natural_date("2902", date(2027, 11, 23), "es") == date(2028, 2, 29)
    assert parse_natural_date("29/2", date(2027, 11, 23), "es") == date(2028, 2, 29)


def test_the_english_conversation_reads_numbers_month_first() -> None:
    assert parse_natural_date("3/12", TODAY) == date(2027, 3, 12)
    with pytest.raises(InvalidDate) as caught:
        parse_natural_date("15/12", TODAY)
    assert "There is no month 15" in caught.value.detail


@pytest.mark.parametrize("text, message", [
    ("el 31", "Noviembre tiene solo 30 días, así que ese mes no hay día 31."),
    ("el 31 de noviembre", "Noviembre tiene solo 30 días."),
    ("31 de abril", "Abril tiene solo 30 días."),
    ("30 de febrero", "Febrero tiene solo 28 días (29 en año bisiesto)."),
    ("30/2", "Febrero tiene solo 28 días"),
    ("el 29 de febrero", "El 29 de febrero solo existe en años bisiestos"),
    ("29 de febrero de 2027", "2027 no es bisiesto"),
    ("13/45", "No existe el mes 13."),
    ("jueves 4 de diciembre", "El 4 de diciembre de 2026 es viernes, no jueves."),
    ("el 3 o el 4", "Veo más de una fecha."),
    ("mañana o pasado mañana", "Veo más de una fecha."),
    ("el viernes o el sábado", "Veo más de una fecha."),
    ("", "no entendí la fecha"), ("la semana que viene", "no entendí la fecha"),
    ("el proximo mes", "no entendí la fecha"), ("el uno", "no entendí la fecha"),
    ("el 20 dólares", "no entendí la fecha"), ("el día 40", "no entendí la fecha"),
    ("quiero pagar", "no entendí la fecha"), ("décembre 3", "no entendí la fecha"),
    ("x" * 161, "Envíe solo la fecha"), ("💥 viernes", "letras y números comunes"),
    ("12/5/202", "Ese año no parece correcto."), ("12/5/2026/1", "nombre del mes"),
    ("0230", "no entendí la fecha"), ("31/4", "Abril tiene solo 30 días"),
])
def test_refusals_are_in_spanish(text: str, message: str) -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_natural_date(text, TODAY, language="es")
    assert message in caught.value.detail


def test_too_far_in_spanish() -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_natural_date("en 9999 meses", date(9990, 1, 1), "es")
    assert "muy lejos" in caught.value.detail


def test_the_english_refusals_are_unchanged() -> None:
    with pytest.raises(InvalidDate) as caught:
        parse_natural_date("el 31", TODAY)
    assert caught.value.detail == ("November has only 30 days, so there is no 31st that month. "
                                   "Please choose another date.")
    with pytest.raises(InvalidDate) as caught:
        parse_natural_date("décembre 3", TODAY)
    assert caught.value.detail == natural_dates.PLAIN_TEXT


def test_a_time_of_day_is_not_a_second_date() -> None:
    assert parse_natural_date("el viernes en la mañana", TODAY, "es") == FRIDAY
    assert parse_natural_date("el 15 a las 8 de la mañana", TODAY, "es") == date(2026, 12, 15)


def test_amounts_and_list_choices_are_not_days() -> None:
    for text in ("el 20 dólares", "el 15 por ciento", "el uno", "el dos", "el 50 dlls"):
        with pytest.raises(InvalidDate):
            parse_natural_date(text, TODAY, "es")


@pytest.mark.parametrize("value, today, expected", [
    (date(2026, 12, 4), TODAY, "viernes 4 de diciembre"),
    (TODAY, TODAY, "lunes 23 de noviembre"),
    (date(2026, 11, 25), TODAY, "miércoles 25 de noviembre"),
    (date(2026, 11, 28), TODAY, "sábado 28 de noviembre"),
    (date(2027, 1, 3), date(2026, 12, 28), "domingo 3 de enero de 2027"),
])
def test_describe_date_in_spanish(value: date, today: date, expected: str) -> None:
    assert describe_date(value, today, "es") == expected
    assert describe_date(value, today, language="es") == expected


def test_describe_date_relative() -> None:
    tomorrow = TODAY + timedelta(days=1)
    assert describe_date(TODAY, TODAY, "es", relative=True) == "hoy"
    assert describe_date(tomorrow, TODAY, "es", relative=True) == "mañana"
    assert describe_date(TODAY, TODAY, relative=True) == "today"
    assert describe_date(tomorrow, TODAY, relative=True) == "tomorrow"
    assert describe_date(FRIDAY, TODAY, "es", relative=True) == "viernes 27 de noviembre"
    assert describe_date(tomorrow, TODAY) == "Tuesday, November 24"  # the default as before


# --- properties ----------------------------------------------------------------------------
_PIECES = st.sampled_from(
    [*"0123456789/-.,' ", "el", "de", "del", "dic", "diciembre", "mañana", "pasado", "hoy",
     "viernes", "que", "viene", "próximo", "semana", "la", "en", "dentro", "días", "mes",
     "fin", "primero", "quince", "por", "tarde", "dos", "o", "3/12", "15/12", "1205", "º"])
_CHAT = st.lists(_PIECES, max_size=12).map(" ".join)
_DAYS = st.integers(min_value=-400, max_value=400)
_TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(st.one_of(st.text(max_size=200), _CHAT), _TODAYS, st.sampled_from(["en", "es"]))
def test_never_raises_anything_but_invalid_date(text: str, today: date, language: str) -> None:
    try:
        result = parse_natural_date(text, today, language)
    except InvalidDate as error:
        assert error.detail
        return
    assert isinstance(result, date)


@given(_DAYS, _TODAYS, st.booleans())
def test_round_trip_describe_date_in_spanish(offset: int, today: date, relative: bool) -> None:
    value = today + timedelta(days=offset)
    if value < today - natural_dates.RECENT_PAST and value.year == today.year:
        return  # "2 de marzo" without a year means the next March 2, by design
    text = describe_date(value, today, "es", relative=relative)
    assert parse_natural_date(text, today, "es") == value
    assert parse_natural_date(text, today) == value


@given(_DAYS)
def test_round_trip_full_spanish_dates(offset: int) -> None:
    value = TODAY + timedelta(days=offset)
    month = natural_dates.SPANISH_MONTH_NAMES[value.month]
    assert parse_natural_date(f"{value.day} de {month} de {value.year}", TODAY, "es") == value
    assert parse_natural_date(f"el {value.day} de {month[:3]} {value.year}", TODAY, "es") == value
