"""The TwiML the center answers Twilio with (pure: strings in, XML out)."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

LANGUAGE = "ja-JP"
GREETING = "こちらはホームセキュリティのコントロールセンターです。ご自宅で異常信号を受信しました。"
ASK_CODE = "ご本人確認のため、合言葉番号3桁を押してください。"
AGAIN = "番号が確認できませんでした。もう一度、合言葉番号3桁を押してください。"
THANKS = "ご本人確認ができました。ありがとうございます。このあと係員からご連絡する場合があります。"
TO_OPERATOR = "係員におつなぎします。"
NO_INPUT = "入力が確認できませんでした。係員からあらためてお電話いたします。"


def ask_for_code(action_url: str, again: bool = False) -> str:
    response = VoiceResponse()
    gather = Gather(num_digits=3, action=action_url, method="POST", timeout=10, finish_on_key="#")
    if not again:
        gather.say(GREETING, language=LANGUAGE)
    gather.say(AGAIN if again else ASK_CODE, language=LANGUAGE)
    response.append(gather)
    response.say(NO_INPUT, language=LANGUAGE)  # only reached when nothing was keyed
    response.hangup()
    return str(response)


def verified() -> str:
    response = VoiceResponse()
    response.say(THANKS, language=LANGUAGE)
    response.hangup()
    return str(response)


def to_operator(operator_login: str) -> str:
    """Put the callee through to the operator's softphone (a Twilio Client identity)."""
    response = VoiceResponse()
    response.say(GREETING + TO_OPERATOR, language=LANGUAGE)
    response.dial().client(operator_login)
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)
