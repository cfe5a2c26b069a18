"""The words of the web chat page itself, in each language the bot speaks: the greeting, the
page's labels, and the notices the page says on its own (hints, warnings, outages), never
the bot's replies (those are the bot's, in chatbot/). Both catalogues have the same keys."""

from __future__ import annotations

LANGUAGES = ("en", "es")

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        # --- the page ---
        "title": "Chat about your bill",
        "safety": "Never type card or bank numbers here;",
        "safety_rest": "for a new card I'll send you a secure pay link.",
        "assistant": "Payment assistant",
        "restart": "Start over",
        "your_message": "Your message",
        "send": "Send",
        "needs_js": "The chat needs JavaScript. You can also call 311 at",
        "needs_js_rest": "for help with your bill.",
        "questions": "Questions? Call 311 at",
        "other_language": "Español",
        "you": "You: ",
        "bot": "Assistant: ",
        "choices": "Choices",
        "typing": "The assistant is typing…",
        "restarted": "Started a new conversation.",
        "offline": ("We couldn't reach the city's website. Please check your connection and "
                    "try again."),
        "broken": "Sorry, something went wrong. Please try again.",
        # --- what the page says on its own ---
        "greeting": ("Hi! I'm the payment assistant for {city}. I can tell you what you owe, "
                     "take a payment with a card or bank account you saved with us, schedule or "
                     "cancel a payment, and turn on paperless billing. How can I help? "
                     "(Para español, escriba \"español\".)"),
        "language_set": "Sure, let's continue in English. What can I do for you?",
        "card_warning": ("For your safety, I removed what looked like a card number from your "
                         "message. Please never type card or bank numbers in this chat. To pay "
                         "with a new card or bank account, I'll send you a secure pay link."),
        "empty": ("Please type your question or what you would like to do, for example "
                  "\"What do I owe?\" or \"Pay my bill\"."),
        "no_words": ("Sorry, I can only read words. Please type your question, for example "
                     "\"What do I owe?\" or \"Pay my bill\"."),
        "too_long": ("That message is too long for me. Please keep it under {max_chars:,} "
                     "characters, or ask one thing at a time."),
        "no_answer": ("Sorry, I don't have an answer for that. You can ask about your balance, "
                      "paying or scheduling a payment, or paperless billing, or type \"agent\" "
                      "to reach 311."),
        "expired": "This chat page has expired. Please reload the page to keep chatting.",
        "bad_request": ("Sorry, I couldn't read that message. Please reload the page and try "
                        "again."),
        "unavailable": ("The chat assistant isn't available right now. Please try again in a few "
                        "minutes, or call 311 at {phone} for help with your bill."),
    },
    "es": {
        "title": "Chat sobre su factura",
        "safety": "Nunca escriba aquí números de tarjeta ni de cuenta bancaria;",
        "safety_rest": "para una tarjeta nueva le envío un enlace de pago seguro.",
        "assistant": "Asistente de pagos",
        "restart": "Empezar de nuevo",
        "your_message": "Su mensaje",
        "send": "Enviar",
        "needs_js": "El chat necesita JavaScript. También puede llamar al 311 al",
        "needs_js_rest": "para recibir ayuda con su factura.",
        "questions": "¿Preguntas? Llame al 311 al",
        "other_language": "English",
        "you": "Usted: ",
        "bot": "Asistente: ",
        "choices": "Opciones",
        "typing": "El asistente está escribiendo…",
        "restarted": "Empezamos una conversación nueva.",
        "offline": ("No pudimos comunicarnos con el sitio de la ciudad. Revise su conexión e "
                    "intente de nuevo."),
        "broken": "Disculpe, algo salió mal. Intente de nuevo.",
        "greeting": ("¡Hola! Soy el asistente de pagos de {city}. Puedo decirle cuánto debe, "
                     "tomar un pago con una tarjeta o cuenta bancaria que tenga guardada, "
                     "programar o cancelar un pago y activar la factura sin papel. ¿En qué le "
                     "puedo ayudar? (For English, type \"English\".)"),
        "language_set": "Claro, seguimos en español. ¿En qué le puedo ayudar?",
        "card_warning": ("Por su seguridad, quité de su mensaje lo que parecía un número de "
                         "tarjeta. Nunca escriba números de tarjeta ni de cuenta bancaria en este "
                         "chat. Para pagar con una tarjeta o cuenta nueva, le envío un enlace de "
                         "pago seguro."),
        "empty": ("Escriba su pregunta o lo que desea hacer, por ejemplo \"¿Cuánto debo?\" o "
                  "\"Pagar mi factura\"."),
        "no_words": ("Disculpe, solo puedo leer palabras. Escriba su pregunta, por ejemplo "
                     "\"¿Cuánto debo?\" o \"Pagar mi factura\"."),
        "too_long": ("Ese mensaje es demasiado largo para mí. Escriba menos de {max_chars:,} "
                     "caracteres, o pregunte una cosa a la vez."),
        "no_answer": ("Disculpe, no tengo una respuesta para eso. Puede preguntar por su saldo, "
                      "pagar o programar un pago, o la factura sin papel, o escribir \"agente\" "
                      "para comunicarse con el 311."),
        "expired": "Esta página del chat venció. Vuelva a cargar la página para seguir.",
        "bad_request": ("Disculpe, no pude leer ese mensaje. Vuelva a cargar la página e intente "
                        "de nuevo."),
        "unavailable": ("El asistente del chat no está disponible ahora. Intente de nuevo en unos "
                        "minutos, o llame al 311 al {phone} para recibir ayuda con su factura."),
    },
}

# What the page's script shows by itself (it reads them from the page, in its language, and
# from an answer after the resident switched language).
SCRIPT_KEYS = ("you", "bot", "choices", "typing", "restarted", "offline", "broken", "send",
               "restart", "your_message")


def text(language: str, key: str, **values: object) -> str:
    template = _TEXTS[language if language in _TEXTS else "en"][key]
    return template.format(**values) if values else template


def labels(language: str) -> dict[str, str]:
    """Every text of the page in `language` (for the template)."""
    return dict(_TEXTS[language if language in _TEXTS else "en"])
