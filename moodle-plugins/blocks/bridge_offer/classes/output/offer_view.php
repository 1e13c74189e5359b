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

/**
 * What only Moodle knows about the offer's data: people's names, dates, URLs, strings.
 *
 * @package    block_bridge_offer
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace block_bridge_offer\output;

use block_bridge_offer\local\data_source;

/**
 * Turns the data source's plain arrays into template contexts (the data source has no Moodle API to call).
 */
class offer_view {
    /**
     * Names the requesters by their Moodle full name with a link to their profile, dates their requests, and says
     * each request's state in the user's language.
     *
     * @param array[] $requests From data_source::request_view().
     * @param int $courseid Course the page belongs to (for the profile link).
     * @return array[]
     */
    public static function requests(array $requests, int $courseid): array {
        global $DB;
        $ids = array_filter(array_column($requests, 'byuserid'));
        $users = $ids ? $DB->get_records_list('user', 'id', array_unique($ids)) : [];
        foreach ($requests as $i => $r) {
            $user = $users[$r['byuserid']] ?? null;
            $requests[$i]['byname'] = $user ? fullname($user) : get_string('unknownuser');
            $profile = $user ? new \moodle_url('/user/view.php', ['id' => $user->id, 'course' => $courseid]) : null;
            $requests[$i]['byurl'] = $profile ? $profile->out(false) : '';
            $time = strtotime($r['createdat'] ?? '');
            $requests[$i]['date'] = $time ? userdate($time, get_string('strftimedatetimeshort', 'core_langconfig')) : '';
            $requests[$i]['statelabel'] = get_string($r['requeststate'], 'block_bridge_offer');
            if (!empty($r['resultcourseid'])) {
                $requests[$i]['courseurl'] = (new \moodle_url('/course/view.php', ['id' => $r['resultcourseid']]))->out(false);
            }
            $requests[$i]['detailurl'] = (new \moodle_url('/blocks/bridge_offer/action.php',
                ['courseid' => $courseid, 'step' => 'detail', 'offerid' => $r['offerid']]))->out(false);
        }
        return $requests;
    }

    /**
     * The search filters: each facet's values with the chosen one selected, and the duration ranges.
     *
     * @param array $facets The bridge's facets (origins, collections, publics).
     * @param array $filters The chosen filters.
     * @return array
     */
    public static function filters(array $facets, array $filters): array {
        $out = [];
        foreach (['origin' => 'origins', 'collection' => 'collections', 'public' => 'publics'] as $name => $facet) {
            $out[$name] = [];
            foreach ((array)($facets[$facet] ?? []) as $value) {
                $out[$name][] = ['value' => (string)$value, 'selected' => (string)$value === ($filters[$name] ?? '')];
            }
        }
        $out['duration'] = [];
        foreach (array_keys(data_source::DURATIONS) as $key) {
            $out['duration'][] = ['value' => $key, 'label' => get_string('duration_' . $key, 'block_bridge_offer'),
                'selected' => $key === ($filters['duration'] ?? '')];
        }
        return $out;
    }

    /**
     * The offers of a result page, with the link to each one's detail and a short plain summary.
     *
     * @param array[] $offers From data_source::offer_view().
     * @param int $courseid Course the page belongs to.
     * @return array[]
     */
    public static function offers(array $offers, int $courseid): array {
        foreach ($offers as $i => $o) {
            $offers[$i]['detailurl'] = (new \moodle_url('/blocks/bridge_offer/action.php',
                ['courseid' => $courseid, 'step' => 'detail', 'offerid' => $o['id']]))->out(false);
            $offers[$i]['summarytext'] = shorten_text(html_to_text($o['summary'], 0, false), 200);
        }
        return $offers;
    }

    /**
     * A shortname to propose for a requested parcours: its title in capitals without accents, and the year, made
     * unique on this site (the bridge refuses a shortname a course already holds).
     *
     * @param string $title The parcours' title.
     * @return string
     */
    public static function proposed_shortname(string $title): string {
        global $DB;
        $base = strtoupper(trim(preg_replace('/[^A-Za-z0-9]+/', '-', \core_text::specialtoascii($title)), '-'));
        $base = trim(substr($base !== '' ? $base : 'PARCOURS', 0, 40), '-') . '-' . date('Y');
        $candidate = $base;
        for ($n = 2; $DB->record_exists('course', ['shortname' => $candidate]); $n++) {
            $candidate = $base . '-' . $n;
        }
        return $candidate;
    }
}
