#!/usr/bin/env python3
"""Dépose chaque nouveau fichier d'un dossier sur le tiers-payant, puis le range.

Python 3.9 ou plus récent, bibliothèque standard seulement (rien à installer).
Mode d'emploi : docs/depot-automatique.md.

Chaque fichier posé directement dans le dossier est envoyé
(POST /api/pharmacies/<id>/depots/, en-tête « Authorization: Bearer <jeton> »), puis :
- importé, déjà importé ou à confirmer : déplacé dans « envoyés/ » ;
- refusé (le fichier est en cause) : déplacé dans « refusés/ » ;
dans les deux cas avec la réponse du serveur à côté (<nom>.reponse.json).
Un jeton refusé, un serveur injoignable ou en panne : le fichier reste où il est et
sera renvoyé au prochain passage (code de sortie 1, ou 2 pour un jeton refusé).

Le jeton se lit dans la variable d'environnement TIERS_PAYANT_JETON ou dans un fichier
(--jeton-fichier) : jamais sur la ligne de commande, que d'autres programmes voient.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

SENT = "envoyés"
REFUSED = "refusés"
ANSWER_SUFFIX = ".reponse.json"
# Statuts où le serveur a le fichier : il n'est plus à envoyer.
KEPT = {"importé", "déjà importé", "à confirmer"}


def multipart(path):
    """(corps, type de contenu) d'un envoi multipart/form-data du fichier dans le champ « fichier »."""
    boundary = "----depot" + uuid.uuid4().hex
    name = path.name.replace('"', "_").replace("\r", "_").replace("\n", "_")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="fichier"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode("ascii")
    return head + path.read_bytes() + tail, f"multipart/form-data; boundary={boundary}"


def send(url, token, path, timeout):
    """(code HTTP, réponse JSON ou None, texte brut) ; code 0 si le serveur est injoignable."""
    body, content_type = multipart(path)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": content_type, "Accept": "application/json",
        "User-Agent": "tiers-payant-depot/1",
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        return 0, None, str(error)
    text = raw.decode("utf-8", errors="replace")
    try:
        return status, json.loads(text), text
    except ValueError:
        return status, None, text


def free_name(folder, name):
    """`name` dans `folder`, ou name-2, name-3… si un fichier du même nom y est déjà."""
    candidate = folder / name
    stem, suffix, n = Path(name).stem, Path(name).suffix, 2
    while candidate.exists() or Path(str(candidate) + ANSWER_SUFFIX).exists():
        candidate = folder / f"{stem}-{n}{suffix}"
        n += 1
    return candidate


def file_away(path, folder, answer):
    folder.mkdir(exist_ok=True)
    target = free_name(folder, path.name)
    path.replace(target)
    Path(str(target) + ANSWER_SUFFIX).write_text(
        json.dumps(answer, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return target


def new_files(folder, settle_seconds):
    """Les fichiers posés dans le dossier (pas ses sous-dossiers), sauf les fichiers cachés,
    nos réponses, et ceux modifiés il y a moins de `settle_seconds` (en cours d'écriture)."""
    now = time.time()
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(ANSWER_SUFFIX):
            continue
        if now - path.stat().st_mtime < settle_seconds:
            continue
        yield path


def main(argv=None):
    parser = argparse.ArgumentParser(description="Dépose les nouveaux fichiers d'un dossier sur le tiers-payant.")
    parser.add_argument("--adresse", required=True, help="adresse du site, ex. https://tiers-payant.example.fr")
    parser.add_argument("--pharmacie", required=True, type=int, help="numéro de la pharmacie (dans l'adresse de ses pages)")
    parser.add_argument("--dossier", required=True, type=Path, help="dossier où arrivent les exports")
    parser.add_argument("--jeton-fichier", type=Path, help="fichier contenant le jeton (sinon TIERS_PAYANT_JETON)")
    parser.add_argument("--attente", type=float, default=60,
                        help="ignorer les fichiers modifiés il y a moins de N secondes (défaut 60)")
    parser.add_argument("--delai", type=float, default=300, help="délai de réponse du serveur, en secondes")
    options = parser.parse_args(argv)

    if options.jeton_fichier:
        token = options.jeton_fichier.read_text(encoding="utf-8").strip()
    else:
        token = os.environ.get("TIERS_PAYANT_JETON", "").strip()
    if not token:
        print("Jeton absent : --jeton-fichier ou la variable TIERS_PAYANT_JETON.", file=sys.stderr)
        return 2
    if not options.dossier.is_dir():
        print(f"Dossier introuvable : {options.dossier}", file=sys.stderr)
        return 2
    url = f"{options.adresse.rstrip('/')}/api/pharmacies/{options.pharmacie}/depots/"

    failures = 0
    for path in new_files(options.dossier, options.attente):
        status, answer, text = send(url, token, path, options.delai)
        state = answer.get("status") if isinstance(answer, dict) else None
        if status in (401, 404):  # le jeton, pas le fichier : rien ne bouge, on s'arrête
            print(f"Jeton refusé ({status}) : {answer.get('message') if answer else text}", file=sys.stderr)
            return 2
        if state in KEPT:
            target = file_away(path, options.dossier / SENT, answer)
            print(f"{path.name} : {state} → {target}")
        elif state == "refusé":
            target = file_away(path, options.dossier / REFUSED, answer)
            print(f"{path.name} : refusé → {target} ({answer.get('message', '')})")
            failures += 1
        else:  # injoignable, en panne, réponse illisible : on réessaiera au prochain passage
            print(f"{path.name} : pas de réponse exploitable ({status or 'injoignable'}) : {text[:200]}",
                  file=sys.stderr)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
