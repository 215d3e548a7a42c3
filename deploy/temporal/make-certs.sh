#!/bin/sh
# Certificates for mutual TLS between Temporal's frontend and its clients (Gongkai's workers,
# API and setup; the Temporal UI; operators' CLI). Anyone who reaches Temporal's frontend can
# send Updates, so the frontend accepts only clients holding a certificate signed by this CA.
#
#   sh deploy/temporal/make-certs.sh            # writes deploy/certs/ (mode 0600/0700)
#
# Replace with certificates from your own PKI where you have one; keep the file names. The
# server certificate names the hosts clients connect to: "temporal" (inside compose) and
# localhost. Renew before the 825 days run out.
set -eu
dir="${1:-$(dirname "$0")/../certs}"
umask 077
mkdir -p "$dir"
cd "$dir"
days=825

openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days "$days" \
  -keyout ca.key -out ca.pem -subj "/CN=Gongkai Temporal CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

issue() { # name, subject CN, extensions
  openssl req -newkey rsa:3072 -sha256 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 \
    -days "$days" -out "$1.pem" -extfile "$1.ext"
  rm -f "$1.csr" "$1.ext"
}

# The frontend (and the server's own roles talking to one another: client auth too).
issue server temporal "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:temporal,DNS:localhost,IP:127.0.0.1"
# Clients: Gongkai's processes, the UI, operators.
for who in gongkai ui operator; do
  issue "$who" "$who" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
done
rm -f ca.srl
chmod 600 ./*.key ./*.pem
echo "certificates in $(pwd): ca.pem, server.pem, gongkai.pem, ui.pem, operator.pem (+ keys)"
