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
 * Follows the running jobs listed by the bridge's blocks: each line asks local/bridge/job.php for its job every
 * second at first, then less often (up to every 10 s), and is replaced by the line the server renders, until the
 * job is finished (its state, and the link to what it made).
 *
 * Written as an AMD module (no build step needed); amd/build/jobs.min.js is the same code, minified by hand.
 *
 * @module     local_bridge/jobs
 * @copyright  2025 m@gistère bridge contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
define([], function() {
    /** Longest pause between two polls of one job, in milliseconds. */
    var MAXWAIT = 10000;
    /** Job ids already followed (a page may show the same job in two blocks). */
    var followed = {};

    /**
     * Asks the server for a job's line and puts it in place of the old one; polls again while it runs.
     *
     * @param {number} id Job id.
     * @param {number} wait Milliseconds before the next poll.
     */
    var poll = function(id, wait) {
        var url = M.cfg.wwwroot + '/local/bridge/job.php?id=' + encodeURIComponent(id) +
            '&sesskey=' + encodeURIComponent(M.cfg.sesskey);
        fetch(url, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
            .then(function(response) {
                return response.ok ? response.json() : null;
            })
            .then(function(job) {
                if (!job || !job.ok) {
                    return;
                }
                var lines = document.querySelectorAll('.local-bridge-jobs li[data-jobid="' + id + '"]');
                for (var i = 0; i < lines.length; i++) {
                    lines[i].outerHTML = job.html;
                }
                if (job.running) {
                    setTimeout(function() {
                        poll(id, Math.min(wait * 2, MAXWAIT));
                    }, wait);
                }
                return;
            })
            .catch(function() {
                // A network hiccup: try again later rather than show an error; a reload shows the state anyway.
                setTimeout(function() {
                    poll(id, MAXWAIT);
                }, MAXWAIT);
            });
    };

    return {
        /**
         * Follows every running job line of the page.
         */
        init: function() {
            var lines = document.querySelectorAll('.local-bridge-jobs li[data-running="1"]');
            for (var i = 0; i < lines.length; i++) {
                var id = lines[i].getAttribute('data-jobid');
                if (id && !followed[id]) {
                    followed[id] = true;
                    poll(id, 1000);
                }
            }
        }
    };
});
