# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Parse botocore's API models once per Python process instead of once per boto3 session.

Every boto3 session gets a new botocore data loader, which parses the JSON API model of each
service again: 0.1 to 0.35 s per client (EC2's model is the largest). A module makes one
session, so under plain Ansible, where each module is a new process, nothing is lost. Under
Mitogen (the ``fast_linear`` strategy) every module runs in one persistent interpreter, and
from the first of our modules on, ``share_api_models()`` makes all later sessions, those of
amazon.aws and community.aws modules too, reuse one loader and its parsed models. The models
are the read-only files botocore ships, the same for every session of the process; botocore
already shares one loader between the clients of one session.
"""

try:
    from botocore import session as botocore_session
except ImportError:
    botocore_session = None  # AnsibleAWSModule reports the missing SDK


def share_api_models():
    """From now on, botocore sessions of this process share one data loader per search path."""
    if botocore_session is None or getattr(botocore_session.create_loader, "shares_api_models", False):
        return
    create_loader = botocore_session.create_loader
    loaders = {}

    def shared_loader(search_path_string=None):
        if search_path_string not in loaders:
            loaders[search_path_string] = create_loader(search_path_string)
        loader = loaders[search_path_string]
        # boto3 appends its data directory to the loader of every session it makes: drop the
        # repeats (keeping each path once, so no session loses one), or the list grows each time.
        loader.search_paths[:] = dict.fromkeys(loader.search_paths)
        return loader

    shared_loader.shares_api_models = True
    botocore_session.create_loader = shared_loader
