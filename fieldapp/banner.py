"""What `make run` prints before serving: where to open fieldapp, and the demo accounts."""

import argparse
import socket

import qrcode

from fieldapp.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from fieldapp.labels import PRODUCT_NAME


def product_names() -> str:
    """The product's name in Chinese (the default language) and English, from the one msgid in labels.py."""
    from pathlib import Path

    from babel.support import Translations

    msgid = PRODUCT_NAME._args[0]
    chinese = Translations.load(Path(__file__).parent / "translations", ["zh"]).gettext(msgid)
    return f"{chinese} ({msgid})" if chinese != msgid else msgid


def lan_address() -> str:
    """This machine's address on the local network (no packet is sent by a UDP connect)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    args = parser.parse_args()
    print(f"\n{product_names()}: open http://127.0.0.1:{args.port}/  (health: /healthz)")
    print(f"Demo accounts, password {DEMO_PASSWORD}:")
    for username, display_name, role, area in DEMO_ACCOUNTS:
        print(f"  {username:<11} {role:<11} {area}  {display_name}")
    if args.host in ("0.0.0.0", "::"):  # noqa: S104 (comparing, not binding)
        url = f"http://{lan_address()}:{args.port}/"
        print(f"\nOn a phone on the same network, open {url} or scan:")
        code = qrcode.QRCode(border=1)
        code.add_data(url)
        code.print_ascii(invert=True)
    else:
        print("To open it on a phone on the same network: make run HOST=0.0.0.0")
    print()


if __name__ == "__main__":
    main()
