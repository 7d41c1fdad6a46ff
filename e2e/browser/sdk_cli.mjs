// A tiny command-line wrapper around the AWS SDK for JavaScript v3
// (@aws-sdk/client-mturk) pointed at hitd, for the Python suite
// (e2e/test_work_boto3.py) and for people trying things by hand.
//
//   node sdk_cli.mjs list HITID                  → JSON array of the HIT's assignments
//   node sdk_cli.mjs get ASSIGNMENTID            → JSON of GetAssignment
//   node sdk_cli.mjs approve ASSIGNMENTID [FEEDBACK]
//   node sdk_cli.mjs balance                     → the AvailableBalance
//
// Environment: HITD_ENDPOINT, HITD_KEY, HITD_SECRET. Exits non-zero on an error.
import {
  MTurkClient, ListAssignmentsForHITCommand, GetAssignmentCommand, ApproveAssignmentCommand, GetAccountBalanceCommand,
} from '@aws-sdk/client-mturk';

// The SDK warns once per process that its releases after January 2027 need
// Node 22; package-lock.json pins this release, so the warning is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function mturkClient(key = process.env.HITD_KEY, secret = process.env.HITD_SECRET) {
  return new MTurkClient({
    region: 'us-east-1',
    endpoint: process.env.HITD_ENDPOINT,
    credentials: { accessKeyId: key, secretAccessKey: secret },
    maxAttempts: 1,
  });
}

// Every assignment of a HIT, following NextToken.
export async function listAssignments(client, hitId) {
  const out = [];
  let NextToken;
  do {
    const page = await client.send(new ListAssignmentsForHITCommand({ HITId: hitId, MaxResults: 100, NextToken }));
    out.push(...(page.Assignments ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

async function main(argv) {
  const [cmd, arg, extra] = argv;
  const client = mturkClient();
  switch (cmd) {
    case 'list':
      return listAssignments(client, arg);
    case 'get':
      return client.send(new GetAssignmentCommand({ AssignmentId: arg }));
    case 'approve':
      await client.send(new ApproveAssignmentCommand({ AssignmentId: arg, RequesterFeedback: extra }));
      return { approved: arg };
    case 'balance':
      return (await client.send(new GetAccountBalanceCommand({}))).AvailableBalance;
    default:
      throw new Error(`unknown command ${cmd}: want list, get, approve or balance`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (out) => { console.log(JSON.stringify(out, (k, v) => (k === '$metadata' ? undefined : v), 1)); },
    (err) => { console.error(`${err.name}: ${err.message}`); process.exit(1); },
  );
}
