# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the certificate role (documented in the .yml files beside them)."""

# Certificates that still need their validation record: one waiting to be issued, and an issued
# one, which ACM renews through the same record.
NEEDING_RECORDS = ("PENDING_VALIDATION", "ISSUED")


def _record_name(name):
    return str(name or "").rstrip(".").lower()


def _domain(name):
    """A name as its validation record goes: a wildcard shares the record of its apex."""
    name = _record_name(name)
    return name[2:] if name.startswith("*.") else name


def validation_records_to_remove(records, certificates, certificate_arn):
    """The validation ``records`` (``name``, ``type``, ``value``) of the certificate ``certificate_arn``
    that no other certificate of ``certificates`` (as community.aws.acm_certificate_info returns them)
    still needs.

    ACM gives every certificate of a domain name in an account the same validation CNAME, so a
    record another certificate pending validation or issued lists among its domain validation
    options must stay, or that one is never issued or renewed. A record is also kept when its
    ``domain_name`` is among the other certificate's names (ACM lists a new certificate's records
    only some seconds after the request). Only the certificates the account holds in the region
    read can be seen; see the certificate role's README for other regions.
    """
    others = [certificate for certificate in certificates or ()
              if certificate.get("certificate_arn") != certificate_arn and certificate.get("status") in NEEDING_RECORDS]
    records_in_use = {
        _record_name((option.get("resource_record") or {}).get("name"))
        for certificate in others
        for option in certificate.get("domain_validation_options") or ()
    }
    domains_in_use = {
        _domain(name)
        for certificate in others
        for name in [certificate.get("domain_name")] + list(certificate.get("subject_alternative_names") or [])
        if name
    }
    return [record for record in records or ()
            if _record_name(record.get("name")) not in records_in_use
            and (not record.get("domain_name") or _domain(record["domain_name"]) not in domains_in_use)]


class FilterModule:
    def filters(self):
        return {"validation_records_to_remove": validation_records_to_remove}
