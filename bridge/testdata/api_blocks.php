<?php
// This file is part of Moodle - https://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.

// Driver for bridge/api_blocks_test.go: the PHP signing client and each block's data source
// against a real `bridge serve`. Prints one JSON object.
// Usage: php api_blocks.php <moodle-plugins dir> <bridge url> <domain> <secret> <course> <formateur id> <participant id>

[$script, $plugins, $baseurl, $domain, $secret, $course, $formateur, $participant] = $argv;
$course = (int)$course;
$formateur = (int)$formateur;
$participant = (int)$participant;
foreach (['signer', 'bridge_client_exception', 'bridge_client', 'api_session'] as $class) {
    require_once("$plugins/local/bridge/classes/$class.php");
}
foreach (['workflow', 'csv', 'tracking', 'offer'] as $block) {
    require_once("$plugins/blocks/bridge_$block/classes/local/data_source.php");
}

use local_bridge\bridge_client;

$client = new bridge_client($baseurl, $domain, $secret, 10);
$out = [];
$workflow = "/api/v1/courses/$course/workflow";

// Signing interop: accepted when right, 401 otherwise.
$out['ok'] = $client->request('GET', $workflow, [], null, $formateur);
$p = $client->prepare('POST', "$workflow/open", [], '{}', $formateur);
$p['body'] = '{"x":1}';
$out['tampered_body'] = $client->send($p);
$client->set_clock(function () {
    return time() - 301;
});
$out['stale'] = $client->request('GET', $workflow, [], null, $formateur);
$client->set_clock(null);
$fixed = bin2hex(random_bytes(16));
$client->set_nonce_source(function () use ($fixed) {
    return $fixed;
});
$out['replay_first'] = $client->request('GET', $workflow, [], null, $formateur);
$out['replay'] = $client->request('GET', $workflow, [], null, $formateur);
$client->set_nonce_source(null);
$out['wrong_secret'] = (new bridge_client($baseurl, $domain, $secret . 'x', 5))->request('GET', $workflow, [], null, $formateur);

// Each block's data, as its template would receive it.
$wf = new block_bridge_workflow\local\data_source($client, $formateur, 'fr');
$out['workflow_formateur'] = $wf->fetch($course);
$out['workflow_participant'] = (new block_bridge_workflow\local\data_source($client, $participant, 'fr'))->fetch($course);
$out['workflow_refused'] = $wf->transition($course, 'open', []);
// The session-planning preview: the calendar warnings before anything is made (zone B, beyond the data).
$out['workflow_preview'] = $wf->preview_sessions($course, ['name' => 'Lecture', 'start' => '2028-09-04', 'end' => '2028-10-13',
    'participants' => 50, 'max' => 25, 'virtual_classes' => ['05/09/2028 19:00']]);

$csv = new block_bridge_csv\local\data_source($client, $formateur, 'en');
$file = "email;nom;prenom\nalice@ac-a.fr;ALICE;Alice\ninconnu@ac-a.fr;X;Y\n";
$out['csv_preview'] = $csv->preview($course, $file);
// The problem rows only, one per page, with a group: the bridge filters and pages, and counts the group's people.
$out['csv_preview_problems'] = $csv->preview($course, $file, ['group' => 'G1'], 0, 1, true);
$out['csv_preview_participant'] = (new block_bridge_csv\local\data_source($client, $participant, 'en'))->preview($course, $file);
$applied = $csv->apply($course, $file);
$out['csv_apply'] = $applied;
for ($i = 0; $i < 200; $i++) {
    $data = $csv->fetch($course, [$applied['jobid']]);
    if (!empty($data['jobs'][0]['finished'])) {
        break;
    }
    usleep(50000);
}
$out['csv_block'] = $data;
$report = $csv->report($course, $applied['jobid']);
$out['csv_report'] = ['status' => $report['status'], 'type' => $report['type'], 'body' => $report['body']];

$tracking = new block_bridge_tracking\local\data_source($client, $formateur, 'fr');
$before = $tracking->fetch($course);
$first = $before['participants'][0]['id'] ?? 0;
$out['tracking_mark'] = $tracking->attendance($course, [$first], true);
$out['tracking'] = $tracking->fetch($course);
$out['tracking_marked'] = $first;
$out['tracking_participant'] = (new block_bridge_tracking\local\data_source($client, $participant, 'fr'))->fetch($course);
// Certificates: a job submitted, polled, then its file fetched (PDF for one participant, 404 for
// someone not marked); and the previous version's synchronous route, still answering.
$pdf = $tracking->certificates($course, [$first]);
$out['certificate'] = ['status' => $pdf['status'], 'type' => $pdf['type'], 'head' => substr($pdf['body'], 0, 5)];
$none = $tracking->certificates($course, [$formateur]);
$out['certificate_none'] = ['status' => $none['status']];
$old = (new local_bridge\api_session($client, $formateur, 'fr'))->download('POST', "/api/v1/courses/$course/certificates", [],
    json_encode(['user_ids' => [$first]]));
$out['certificate_sync'] = ['status' => $old['status'], 'type' => $old['type'], 'head' => substr($old['body'], 0, 5)];
$offer = new block_bridge_offer\local\data_source($client, $formateur, 'fr');
$out['offer'] = $offer->fetch($course);
// Weekly digest of new offers: the formateur opts in, then out, from the block.
$out['digest_subscribe'] = $offer->digest(true);
$out['offer_subscribed'] = $offer->fetch($course);
$out['digest_unsubscribe'] = $offer->digest(false);
$out['offer_unsubscribed'] = $offer->fetch($course);

echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), "\n";
