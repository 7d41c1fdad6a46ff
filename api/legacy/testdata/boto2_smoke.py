# Smoke test of the legacy API with boto 2 (Debian: apt-get install python3-boto).
# Start hitd with HITD_ROOT_ACCESS_KEY_ID / HITD_ROOT_SECRET_ACCESS_KEY set, then run
#   HITD_PORT=8080 HITD_ROOT_ACCESS_KEY_ID=... HITD_ROOT_SECRET_ACCESS_KEY=... /usr/bin/python3 boto2_smoke.py
from boto.mturk.connection import MTurkConnection
from boto.mturk.question import HTMLQuestion
from boto.mturk.price import Price
from boto.mturk.qualification import Qualifications, PercentAssignmentsApprovedRequirement, LocaleRequirement
from boto.mturk.connection import MTurkRequestError
import os
KEY, SECRET = os.environ['HITD_ROOT_ACCESS_KEY_ID'], os.environ['HITD_ROOT_SECRET_ACCESS_KEY']
HOST, PORT = os.environ.get('HITD_HOST', '127.0.0.1'), int(os.environ.get('HITD_PORT', '8080'))
c = MTurkConnection(aws_access_key_id=KEY, aws_secret_access_key=SECRET, host=HOST, port=PORT, is_secure=False)
print('balance', c.get_account_balance()[0])
qs = Qualifications([LocaleRequirement('In', ['US', ('DE','BE')]), PercentAssignmentsApprovedRequirement('GreaterThan', 90)])
ht = c.register_hit_type('boto2 title', 'boto2 description', Price(0.05), 600, keywords=['a','b'], qual_req=qs)
print('hittype', ht[0].HITTypeId)
q = HTMLQuestion('<html><body><form action="https://www.mturk.com/mturk/externalSubmit" method="post"><input name="a"></form></body></html>', 400)
rs = c.create_hit(hit_type=ht[0].HITTypeId, question=q, max_assignments=2, lifetime=3600)
hit = rs[0]
print('hit', hit.HITId, hit.HITTypeId)
g = c.get_hit(hit.HITId)[0]
print('get', g.Title, g.HITStatus, g.Expiration, g.expired, g.Amount, g.FormattedPrice)
s = c.search_hits(page_size=10)
print('search', s.TotalNumResults, s.NumResults, [h.HITId for h in s])
print('assignments', c.get_assignments(hit.HITId).TotalNumResults)
print('reviewable', c.get_reviewable_hits().TotalNumResults)
c.extend_hit(hit.HITId, assignments_increment=1)
c.extend_hit(hit.HITId, expiration_increment=600)
c.expire_hit(hit.HITId)
print('after expire', c.get_hit(hit.HITId)[0].HITStatus)
c.dispose_hit(hit.HITId)
qt = c.create_qualification_type('boto2 qual', 'desc', 'Active', auto_granted=True)
print('qualtype', qt[0].QualificationTypeId, qt[0].IsRequestable)
print('searchqt', c.search_qualification_types(query='boto2').TotalNumResults)
try:
    c.get_hit('NOSUCH')
except MTurkRequestError as e:
    print('error', e.status, e.error_code if hasattr(e,'error_code') else '', e.body[:300])
bad = MTurkConnection(aws_access_key_id=KEY, aws_secret_access_key='wrong', host=HOST, port=PORT, is_secure=False)
try:
    bad.get_account_balance()
except MTurkRequestError as e:
    print('bad secret', e.status, e.body[:400])
